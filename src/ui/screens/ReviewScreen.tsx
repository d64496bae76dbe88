import { Box, Text, useStdout } from "ink";
import SelectInput from "ink-select-input";
import { ChoiceIndicator } from "../components/ChoiceIndicator.tsx";
import { ChoiceItem } from "../components/ChoiceItem.tsx";
import { GatewayPlanView } from "../components/GatewayPlanView.tsx";
import { Viewport } from "../components/Viewport.tsx";
import { useCommand } from "../hooks/use-command.ts";
import { useMeasuredHeight } from "../hooks/use-measured-height.ts";
import { Command } from "../keys.ts";
import type { WizardEvent, WizardState } from "../state.ts";
import { allOf } from "../site-names.ts";
import { color } from "../theme.ts";

export type Props = {
  readonly state: WizardState;
  readonly dispatch: (event: WizardEvent) => void;
  readonly isActive: boolean;
  /** Rows the screen may take; undefined when the terminal's height is unknown. */
  readonly rows?: number | undefined;
};

const choices = (count: number) => [
  { key: "apply", label: `Apply the plan to ${allOf(count)} gateways`, value: "apply" },
  { key: "back", label: "Go back and change the answers", value: "back" },
];

/** More than two gateways: every name with the shown one in brackets when that fits one line, else the shown one and its place. */
function manyTitle(names: readonly string[], at: number, columns: number): string {
  const keys = "(←/→ previous/next gateway)";
  const all = `Plan for ${names.map((n, i) => (i === at ? `[${n}]` : n)).join(" ")}  ${keys}`;
  return all.length <= columns ? all : `Plan for [${names[at]}], gateway ${at + 1} of ${names.length}  ${keys}`;
}

/** Step 4: the plan per gateway (←/→ switches); nothing changes until it is confirmed. */
export function ReviewScreen({ state, dispatch, isActive, rows }: Props) {
  const many = (state.plan?.gateways.length ?? 2) > 2;
  useCommand(Command.SwitchGateway, () => dispatch({ type: "switch-gateway" }), { isActive: isActive && !many });
  useCommand(Command.PreviousGateway, () => dispatch({ type: "switch-gateway", by: -1 }), { isActive: isActive && many });
  useCommand(Command.NextGateway, () => dispatch({ type: "switch-gateway", by: 1 }), { isActive: isActive && many });
  const columns = (useStdout().stdout as { columns?: number }).columns || 80;
  // The line naming the gateways and the block with the choices stay; the plan gets the rows left.
  const [above, aboveRows] = useMeasuredHeight(2);
  const [below, belowRows] = useMeasuredHeight(4);
  const plan = state.plan;
  if (!plan) return null;
  const shown = plan.gateways[state.reviewTab] ?? plan.gateways[0]!;
  return (
    <Box flexDirection="column">
      {/* Padding, not margin: a measured height includes the padding only. */}
      {many ? (
        <Box ref={above} paddingBottom={1} flexShrink={0}>
          <Text bold color={color("accent")}>{manyTitle(plan.gateways.map((g) => g.site), state.reviewTab, columns)}</Text>
        </Box>
      ) : (
        <Box ref={above} paddingBottom={1} flexShrink={0}>
          <Text>Plan for </Text>
          {plan.gateways.map((g, i) => (
            <Text key={g.site} bold={i === state.reviewTab} color={i === state.reviewTab ? color("accent") : color("muted")}>
              {i === state.reviewTab ? `[${g.site}]` : ` ${g.site} `}{" "}
            </Text>
          ))}
          <Text color={color("muted")}> (←/→ shows the other gateway)</Text>
        </Box>
      )}
      <Viewport rows={rows === undefined ? undefined : Math.max(3, rows - aboveRows - belowRows)} anchor="top" resetKey={shown.site} isActive={isActive}>
        <GatewayPlanView plan={shown} />
      </Viewport>
      <Box ref={below} paddingTop={1} flexDirection="column" flexShrink={0}>
        <Text bold>Nothing has been changed yet.</Text>
        <SelectInput
          items={choices(plan.gateways.length)}
          isFocused={isActive}
          indicatorComponent={ChoiceIndicator}
          itemComponent={ChoiceItem}
          onSelect={(item) => dispatch(item.value === "apply" ? { type: "confirm-apply" } : { type: "back" })}
        />
      </Box>
    </Box>
  );
}
