import { Box, Text } from "ink";
import { STATUS_MARK } from "../../status/report.ts";
import { color } from "../theme.ts";
import type { GatewayPane } from "./state.ts";
import { statusColor } from "./tone.ts";

export type Props = {
  readonly name: string;
  readonly pane: GatewayPane;
  /** The other gateway, so "nothing to fix here" can point at its fixes. */
  readonly otherName: string;
  readonly otherPane: GatewayPane;
};

/** The focused gateway's fixes, full width: one line per check that is not green. */
export function HintList({ name, pane, otherName, otherPane }: Props) {
  const link = pane.link;
  const hinted = pane.checks.filter((c) => c.hint);
  const elsewhere = otherPane.checks.filter((c) => c.hint).length;
  return (
    <Box flexDirection="column" marginTop={1}>
      {link.kind === "reconnecting" ? (
        <Text color={color("warn")}>{`${name}: connection lost (${link.error}); reconnect attempt ${link.attempt} in ${link.retryInSec} s`}</Text>
      ) : null}
      {hinted.length === 0 && link.kind === "up" ? (
        <Text color={color("muted")}>{`${name}: nothing to fix${elsewhere > 0 ? `; ${otherName}: ${elsewhere} to fix (Tab)` : ""}`}</Text>
      ) : null}
      {hinted.map((c) => (
        <Text key={c.id}>
          <Text color={statusColor(c.status)}>{STATUS_MARK[c.status]}</Text> {`${name} ${c.title}: ${c.hint}`}
        </Text>
      ))}
    </Box>
  );
}
