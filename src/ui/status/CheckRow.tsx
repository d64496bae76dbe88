import { Text } from "ink";
import type { Check } from "../../status/checks.ts";
import { STATUS_MARK } from "../../status/report.ts";
import { statusColor } from "./tone.ts";

export type Props = {
  readonly check: Check;
  /** Column the detail starts in, so the rows of a column line up. */
  readonly titleWidth: number;
  /** Greyed while the gateway is not answering: the row is the last known state. */
  readonly stale: boolean;
};

/** One check on one line: mark, title, what was found (cut at the column's edge). */
export function CheckRow({ check, titleWidth, stale }: Props) {
  return (
    <Text wrap="truncate-end" dimColor={stale}>
      <Text color={statusColor(check.status)}>{STATUS_MARK[check.status]}</Text> {check.title.padEnd(titleWidth)} {check.detail}
    </Text>
  );
}
