import { Box, Text } from "ink";
import { transferAddresses } from "../../core/address.ts";
import { checkTransferNet } from "../../core/fields.ts";
import type { Answers } from "../answers.ts";
import { color } from "../theme.ts";

export type Props = {
  readonly answers: Answers;
};

/** The reference diagram in one line, drawn from the answers so far. */
export function Topology({ answers }: Props) {
  const network = checkTransferNet(answers.network);
  const [a, b] = network.ok ? transferAddresses(network.value) : ["?", "?"];
  return (
    <Box marginBottom={1} flexDirection="column">
      <Text color={color("muted")}>
        {`${answers.name0} ${answers.lan0} ─ ${answers.iface0} ${a} ══ ${answers.network} ══ ${b} ${answers.iface1} ─ ${answers.lan1} ${answers.name1}`}
      </Text>
    </Box>
  );
}
