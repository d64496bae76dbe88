import { Box, Text } from "ink";
import type { ApplyView } from "../state.ts";
import { color, MARK } from "../theme.ts";

export type Props = {
  readonly failure: NonNullable<ApplyView["failure"]>;
  readonly iface: string;
  /** What the engine undid on each gateway (all or nothing), when it did. */
  readonly rolledBack?: readonly string[];
};

/** What to do after a step failed, by step. */
function advice(step: string, site: string, iface: string): string {
  if (step === "install") return `the package manager on ${site} failed: check its package sources and that it reaches them, or install wireguard-tools there yourself`;
  if (step === "unit") return `wg-quick could not bring ${iface} up: on ${site}, journalctl -u wg-quick@${iface} tells why`;
  if (step === "verify") return `the tunnel did not verify: check that UDP reaches each endpoint (firewalls, NAT) and the warnings on the review screen`;
  if (step === "keys" || step === "psk") return `the key could not be written on ${site}: check that /etc/wireguard is writable and the disk not full`;
  return site ? `read the error above and fix its cause on ${site} (or in the answers)` : "read the error above and fix its cause";
}

/** A failed step: which gateway, which step, what the command printed (redacted by the engine), and what to do. */
export function FailureView({ failure, iface, rolledBack }: Props) {
  return (
    <Box flexDirection="column" marginTop={1} borderStyle="round" borderColor={color("bad")} paddingX={1}>
      <Text bold color={color("bad")}>
        {MARK.failed} {failure.site ? `${failure.site}: ` : ""}
        {failure.title ? `${failure.title} failed` : "the run stopped"}
      </Text>
      {failure.output ? <Text>{failure.output}</Text> : null}
      {rolledBack && rolledBack.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>Rollback (all or nothing):</Text>
          {rolledBack.map((line, i) => (
            <Text key={i}>{`  ${line}`}</Text>
          ))}
        </Box>
      ) : null}
      <Box marginTop={1}>
        <Text>What to do: {advice(failure.step, failure.site, iface)}; then press Enter to connect again and review a fresh plan, or Esc to change the answers.</Text>
      </Box>
    </Box>
  );
}
