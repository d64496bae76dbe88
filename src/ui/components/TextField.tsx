import { Box, Text } from "ink";
import TextInput from "ink-text-input";
import { color, MARK } from "../theme.ts";

export type Props = {
  readonly label: string;
  readonly value: string;
  /** Shown under the focused field: what the field is for. */
  readonly hint?: string;
  /** What is wrong with the value and how to fix it. */
  readonly problem?: string;
  /** Only the focused field takes keys and shows its cursor. */
  readonly focused: boolean;
  readonly onChange: (value: string) => void;
};

/** One labelled answer; validated as you type, the message saying how to fix it. */
export function TextField({ label, value, hint, problem, focused, onChange }: Props) {
  return (
    <Box flexDirection="column">
      <Box>
        <Text color={focused ? color("accent") : undefined}>{focused ? `${MARK.focus} ` : "  "}</Text>
        <Text bold={focused}>{label}: </Text>
        {focused ? <TextInput value={value} onChange={onChange} /> : <Text>{value}</Text>}
        {problem && !focused && value !== "" ? <Text color={color("bad")}> {MARK.problem}</Text> : null}
      </Box>
      {focused && problem ? (
        <Box marginLeft={4}>
          <Text color={color("bad")}>
            {MARK.problem} {problem}
          </Text>
        </Box>
      ) : null}
      {focused && hint && !problem ? (
        <Box marginLeft={4}>
          <Text color={color("muted")}>{hint}</Text>
        </Box>
      ) : null}
    </Box>
  );
}
