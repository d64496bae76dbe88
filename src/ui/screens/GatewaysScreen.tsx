import { Box, Text } from "ink";
import type { FieldId } from "../answers.ts";
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

/** Step 3: how to reach each gateway over SSH, and where the other gateway reaches it. */
export function GatewaysScreen({ state, problems, dispatch, isActive }: Props) {
  const source = state.settings.sshConfig ?? "~/.ssh/config";
  return (
    <Box flexDirection="column">
      <Text>SSH to each gateway (root or sudo); nothing changes until you confirm the plan.</Text>
      <Text color={color("muted")}>
        {state.aliases.length > 0 ? `Host aliases from ${source}: ${state.aliases.map((a) => a.name).join(", ")}` : `No Host aliases in ${source}; type [user@]host[:port]`}
      </Text>
      <Topology answers={state.answers} />
      <Form state={state} fields={formFields("gateways", state.answers)} problems={problems} dispatch={dispatch} isActive={isActive} />
    </Box>
  );
}
