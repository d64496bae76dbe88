import { Box, Text } from "ink";
import { verifyText } from "../../core/format-plan.ts";
import type { GatewayPlan } from "../../core/plan-types.ts";
import { color, MARK } from "../theme.ts";
import { FileDiffView } from "./FileDiffView.tsx";

export type Props = {
  readonly plan: GatewayPlan;
};

/** One gateway's plan: the steps, the files as diffs, the warnings from its facts with their fixes. */
export function GatewayPlanView({ plan }: Props) {
  const todo = plan.steps.filter((s) => !s.noop).length;
  return (
    <Box flexDirection="column">
      <Text bold>
        Steps on {plan.site} ({todo === 0 ? "nothing to change" : `${todo} to run`}):
      </Text>
      {plan.steps.map((s, i) => (
        <Box key={s.id} flexDirection="column" marginLeft={2}>
          <Text color={s.noop ? color("muted") : undefined}>
            {`${i + 1}. ${s.title}`}
            {s.noop ? `  (nothing to do: ${s.noop})` : ""}
          </Text>
          {s.reason && !s.noop ? <Text color={color("muted")}>{`     ${s.reason}`}</Text> : null}
        </Box>
      ))}
      <Box marginLeft={2} marginBottom={1}>
        <Text>
          {`${plan.steps.length + 1}. ${verifyText(plan)}`}
        </Text>
      </Box>
      {plan.files.map((f) => (
        <FileDiffView key={f.path} file={f} />
      ))}
      {plan.warnings.length > 0 ? (
        <Box flexDirection="column">
          <Text bold color={color("warn")}>
            Warnings:
          </Text>
          {plan.warnings.map((w, i) => (
            <Box key={i} flexDirection="column" marginLeft={2}>
              <Text color={color("warn")}>{`${MARK.warning} ${w.message}`}</Text>
              <Text>{`  fix: ${w.fix}`}</Text>
            </Box>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
