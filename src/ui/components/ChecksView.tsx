import { Box, Text } from "ink";
import type { CheckLine } from "../state.ts";
import { color, MARK } from "../theme.ts";

export type Props = {
  readonly site: string;
  readonly checks: readonly CheckLine[];
};

/** The verification run on one gateway: handshake, pings, routes. */
export function ChecksView({ site, checks }: Props) {
  return (
    <Box flexDirection="column" width="50%" paddingRight={2}>
      <Text bold>{site}</Text>
      {checks.length === 0 ? <Text color={color("muted")}>no checks reported</Text> : null}
      {checks.map((c, i) => {
        const tone = c.ok ? "good" : c.warning ? "warn" : "bad";
        return (
          <Text key={`${c.id}-${i}`} wrap="truncate-end" color={c.ok ? undefined : color(tone)}>
            <Text color={color(tone)}>{c.ok ? MARK.changed : c.warning ? MARK.warning : MARK.failed}</Text> {c.id}: {c.detail}
          </Text>
        );
      })}
    </Box>
  );
}
