import { Box, Text } from "ink";
import { ipv4At, transferAddresses } from "../../core/address.ts";
import { checkTransferNet } from "../../core/fields.ts";
import { hubOf, siteCount, type Answers } from "../answers.ts";
import { color } from "../theme.ts";

export type Props = {
  readonly answers: Answers;
};

/**
 * The reference diagram in one line, drawn from the answers so far; with more than two sites, the
 * topology and each gateway's transfer address (a line as long as the terminal, cut there).
 */
export function Topology({ answers }: Props) {
  const count = siteCount(answers);
  if (count > 2) {
    const network = checkTransferNet(answers.network, count);
    const hub = hubOf(answers);
    const names = Array.from({ length: count }, (_, i) => `${answers[`name${i}`]} ${network.ok ? ipv4At(network.value, i + 1) : "?"}`);
    const shape = hub ? `hub ${hub}, the others reach each other through it` : "mesh, every pair direct";
    return (
      <Box marginBottom={1} flexDirection="column">
        <Text color={color("muted")} wrap="truncate-end">{`${count} sites on ${answers.network}, ${shape}`}</Text>
        <Text color={color("muted")} wrap="truncate-end">{names.join(" · ")}</Text>
      </Box>
    );
  }
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
