import { Text } from "ink";
import type { StepLine } from "../state.ts";
import { color, duration, MARK } from "../theme.ts";

export type Props = {
  readonly site: string;
  /** Width the names are padded to, so the marks line up. */
  readonly nameWidth: number;
  readonly steps: readonly StepLine[];
};

const TONE = { pending: "muted", running: "accent", changed: "good", unchanged: "muted", failed: "bad" } as const;
const RUNNING = "›";

/**
 * One gateway of many in one line: a mark per step (as the columns of two gateways show them), how
 * many are over, and the step running now (or the one that failed), cut at the terminal's width.
 */
export function ApplyRow({ site, nameWidth, steps }: Props) {
  const over = steps.filter((s) => s.status === "changed" || s.status === "unchanged").length;
  const failed = steps.find((s) => s.status === "failed");
  const running = steps.find((s) => s.status === "running");
  const shown = failed ?? running;
  const ms = steps.reduce((sum, s) => sum + (s.ms ?? 0), 0);
  const state = shown ? shown.title : over === steps.length ? `done in ${duration(ms)}` : over === 0 ? "waiting" : "";
  const name = site.length > nameWidth ? `${site.slice(0, nameWidth - 1)}…` : site.padEnd(nameWidth);
  return (
    <Text wrap="truncate-end">
      <Text bold>{name}</Text>
      {"  "}
      {steps.map((s) => (
        <Text key={s.id} color={color(TONE[s.status])}>
          {s.status === "pending" ? MARK.pending : s.status === "running" ? RUNNING : MARK[s.status]}
        </Text>
      ))}
      <Text color={color("muted")}>{`  ${over}/${steps.length}  `}</Text>
      <Text color={failed ? color("bad") : undefined}>{state}</Text>
    </Text>
  );
}
