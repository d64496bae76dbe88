import { Box, Text } from "ink";
import { ProblemList } from "../components/ProblemList.tsx";
import { FactsView } from "../components/FactsView.tsx";
import { useCommand } from "../hooks/use-command.ts";
import { Command } from "../keys.ts";
import type { WizardEvent, WizardState } from "../state.ts";
import { allOf } from "../site-names.ts";
import { color, MARK } from "../theme.ts";

export type Props = {
  readonly state: WizardState;
  readonly dispatch: (event: WizardEvent) => void;
  readonly isActive: boolean;
};

/** Step 3, leaving: both gateways are reached in parallel and what was found on each is shown. */
export function ConnectScreen({ state, dispatch, isActive }: Props) {
  useCommand(Command.Next, () => dispatch({ type: "next" }), { isActive });
  const site = state.site;
  if (!site) return null;
  const ready = state.plan !== undefined;
  const n = site.sites.length;
  const all = allOf(n);
  return (
    <Box flexDirection="column">
      <Text>{`Connecting to ${all} gateways and looking around. Nothing is changed yet.`}</Text>
      <Box flexDirection="column" marginTop={1}>
        {site.sites.map((def, i) => (
          <FactsView key={def.name} name={def.name} ssh={def.ssh} iface={def.interface} gateway={state.gateways[i] ?? { phase: "waiting" }} compact={n > 2} />
        ))}
      </Box>
      {state.connectError ? (
        <Box flexDirection="column">
          <Text bold color={color("bad")}>
            {MARK.problem} {`Could not get ${all} gateways ready:`}
          </Text>
          <Text color={color("bad")}>{state.connectError.message}</Text>
          <Text>What to do: fix the cause above (or the answers: Esc goes back), then press Enter to try again.</Text>
        </Box>
      ) : null}
      <ProblemList title="Refusing to change anything on these gateways:" problems={state.blockers} />
      {ready && state.blockers.length === 0 ? <Text color={color("good")}>{`${n === 2 ? "Both" : `All ${n}`} gateways are ready. Enter shows the plan.`}</Text> : null}
      {ready && state.blockers.length > 0 ? <Text>Esc goes back to change the answers.</Text> : null}
    </Box>
  );
}
