import { Box, Text } from "ink";
import { siteCount, type FieldId } from "../answers.ts";
import { Form } from "../components/Form.tsx";
import { Topology } from "../components/Topology.tsx";
import { formFields, type WizardEvent, type WizardState } from "../state.ts";
import { color } from "../theme.ts";

export type Props = {
  readonly state: WizardState;
  readonly problems: Partial<Record<FieldId, string>>;
  readonly dispatch: (event: WizardEvent) => void;
  readonly isActive: boolean;
};

/** Step 1: the sites (two, or more: + adds one) and the networks behind their gateways; with more, the topology. */
export function SitesScreen({ state, problems, dispatch, isActive }: Props) {
  const many = siteCount(state.answers) > 2;
  return (
    <Box flexDirection="column">
      <Text>{many ? "Each site's gateway routes its LAN to the other sites over WireGuard (no NAT)." : "Each site's gateway routes its LAN to the other site over WireGuard (no NAT)."}</Text>
      <Topology answers={state.answers} />
      <Form state={state} fields={formFields("sites", state.answers)} problems={problems} dispatch={dispatch} isActive={isActive} />
      {state.notice ? <Text color={color("warn")}>{state.notice}</Text> : null}
    </Box>
  );
}
