import { Box, Text } from "ink";
import type { FieldId } from "../answers.ts";
import { Form } from "../components/Form.tsx";
import { Topology } from "../components/Topology.tsx";
import { FORMS, type WizardEvent, type WizardState } from "../state.ts";

export type Props = {
  readonly state: WizardState;
  readonly problems: Partial<Record<FieldId, string>>;
  readonly dispatch: (event: WizardEvent) => void;
  readonly isActive: boolean;
};

/** Step 1: the two sites and the networks behind their gateways. */
export function SitesScreen({ state, problems, dispatch, isActive }: Props) {
  return (
    <Box flexDirection="column">
      <Text>Each site's gateway routes its LAN to the other site over WireGuard (no NAT).</Text>
      <Topology answers={state.answers} />
      <Form state={state} fields={FORMS.sites} problems={problems} dispatch={dispatch} isActive={isActive} />
    </Box>
  );
}
