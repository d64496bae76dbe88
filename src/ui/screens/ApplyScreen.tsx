import { Box, Text } from "ink";
import { ApplyColumn } from "../components/ApplyColumn.tsx";
import { FailureView } from "../components/FailureView.tsx";
import { useCommand } from "../hooks/use-command.ts";
import { Command } from "../keys.ts";
import type { WizardEvent, WizardState } from "../state.ts";

export type Props = {
  readonly state: WizardState;
  readonly dispatch: (event: WizardEvent) => void;
  readonly isActive: boolean;
};

/** Step 5: both gateways side by side, each step with a spinner, then its mark and duration. */
export function ApplyScreen({ state, dispatch, isActive }: Props) {
  const apply = state.apply;
  useCommand(Command.Next, () => dispatch({ type: "next" }), { isActive: isActive && apply?.failure !== undefined && !apply.running });
  if (!apply || !state.site) return null;
  const failedSite = state.site.sites.find((s) => s.name === apply.failure?.site) ?? state.site.sites[0];
  return (
    <Box flexDirection="column">
      <Text>{apply.running ? "Applying the plan to both gateways…" : apply.failure ? "The run stopped." : "Done."}</Text>
      <Box marginTop={1}>
        {state.site.sites.map((def, i) => (
          <ApplyColumn key={def.name} site={def.name} ssh={def.ssh} steps={apply.columns[i]!} />
        ))}
      </Box>
      {apply.failure && !apply.running ? <FailureView failure={apply.failure} iface={failedSite.interface} {...(apply.report?.rolledBack ? { rolledBack: apply.report.rolledBack } : {})} /> : null}
    </Box>
  );
}
