import { Box, Text } from "ink";
import type { FieldId } from "../answers.ts";
import { Form } from "../components/Form.tsx";
import { Topology } from "../components/Topology.tsx";
import { formFields, type WizardEvent, type WizardState } from "../state.ts";

export type Props = {
  readonly state: WizardState;
  readonly problems: Partial<Record<FieldId, string>>;
  readonly dispatch: (event: WizardEvent) => void;
  readonly isActive: boolean;
};

/** Step 2: the tunnel between the gateways. */
export function TunnelScreen({ state, problems, dispatch, isActive }: Props) {
  return (
    <Box flexDirection="column">
      <Text>The gateways talk over a tiny transfer network; only they have addresses on it.</Text>
      <Topology answers={state.answers} />
      <Form state={state} fields={formFields("tunnel", state.answers)} problems={problems} dispatch={dispatch} isActive={isActive} />
    </Box>
  );
}
