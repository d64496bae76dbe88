import { Box, Text } from "ink";
import Spinner from "ink-spinner";
import type { StepLine } from "../state.ts";
import { color, duration, MARK } from "../theme.ts";

export type Props = {
  readonly step: StepLine;
};

const TONE = { pending: "muted", running: "accent", changed: "good", unchanged: "muted", failed: "bad" } as const;

/** One step in an apply column: a spinner while it runs, then its mark and how long it took. */
export function StepRow({ step }: Props) {
  return (
    <Box>
      <Box width={2} flexShrink={0}>
        {step.status === "running" ? (
          <Spinner />
        ) : (
          <Text color={color(TONE[step.status])}>{step.status === "pending" ? MARK.pending : MARK[step.status]}</Text>
        )}
      </Box>
      <Box width={7} flexShrink={0}>
        <Text color={color("muted")}>{step.ms !== undefined && step.status !== "unchanged" ? duration(step.ms) : ""}</Text>
      </Box>
      <Text wrap="truncate-end" color={step.status === "pending" || step.status === "unchanged" ? color("muted") : undefined}>
        {step.title}
        {step.status === "unchanged" ? `  (${step.note ?? "nothing to do"})` : ""}
      </Text>
    </Box>
  );
}
