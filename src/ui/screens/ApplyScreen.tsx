import { Box, Text } from "ink";
import { ApplyColumn } from "../components/ApplyColumn.tsx";
import { ApplyRow } from "../components/ApplyRow.tsx";
import { FailureView } from "../components/FailureView.tsx";
import { useCommand } from "../hooks/use-command.ts";
import { Command } from "../keys.ts";
import { allOf } from "../site-names.ts";
import type { WizardEvent, WizardState } from "../state.ts";

export type Props = {
  readonly state: WizardState;
  readonly dispatch: (event: WizardEvent) => void;
  readonly isActive: boolean;
};

/**
 * Step 5: both gateways side by side, each step with a spinner, then its mark and duration; more
 * than two gateways one row each (a mark per step and the step running now), so six fit 80x24.
 */
export function ApplyScreen({ state, dispatch, isActive }: Props) {
  const apply = state.apply;
  useCommand(Command.Next, () => dispatch({ type: "next" }), { isActive: isActive && apply?.failure !== undefined && !apply.running });
  if (!apply || !state.site) return null;
  const failedSite = state.site.sites.find((s) => s.name === apply.failure?.site) ?? state.site.sites[0]!;
  const many = state.site.sites.length > 2;
  const nameWidth = Math.min(16, Math.max(...state.site.sites.map((s) => s.name.length)));
  return (
    <Box flexDirection="column">
      <Text>{apply.running ? `Applying the plan to ${allOf(state.site.sites.length)} gateways…` : apply.failure ? "The run stopped." : "Done."}</Text>
      {many ? (
        <Box marginTop={1} flexDirection="column">
          {state.site.sites.map((def, i) => (
            <ApplyRow key={def.name} site={def.name} nameWidth={nameWidth} steps={apply.columns[i] ?? []} />
          ))}
        </Box>
      ) : (
        <Box marginTop={1}>
          {state.site.sites.map((def, i) => (
            <ApplyColumn key={def.name} site={def.name} ssh={def.ssh} steps={apply.columns[i]!} />
          ))}
        </Box>
      )}
      {apply.failure && !apply.running ? <FailureView failure={apply.failure} iface={failedSite.interface} {...(apply.report?.rolledBack ? { rolledBack: apply.report.rolledBack } : {})} /> : null}
    </Box>
  );
}
