import { Box, Text } from "ink";
import SelectInput from "ink-select-input";
import type { Choice } from "../field-specs.ts";
import { color, MARK } from "../theme.ts";
import { ChoiceIndicator } from "./ChoiceIndicator.tsx";
import { ChoiceItem } from "./ChoiceItem.tsx";

/** The value of the "other…" entry; no real answer can be empty. */
export const OTHER = "";

export type Props = {
  readonly label: string;
  readonly value: string;
  /** The answer as it reads unfocused, when not as stored. */
  readonly shown?: string;
  readonly hint?: string;
  readonly choices: readonly Choice[];
  /** Label of a last entry that switches the field to typing. */
  readonly other?: string;
  readonly focused: boolean;
  readonly onHighlight: (value: string) => void;
  readonly onOther: () => void;
};

/** A list of ready answers (↑/↓ to move); the highlighted one is the answer. */
export function ChoiceField({ label, value, shown, hint, choices, other, focused, onHighlight, onOther }: Props) {
  if (!focused) {
    return (
      <Box>
        <Text>{"  "}</Text>
        <Text>{label}: </Text>
        <Text>{shown ?? value}</Text>
      </Box>
    );
  }
  const items = [...choices.map((c) => ({ key: `v:${c.value}`, label: c.label, value: c.value })), ...(other ? [{ key: "other", label: other, value: OTHER }] : [])];
  const initial = Math.max(0, items.findIndex((i) => i.value === value));
  return (
    <Box flexDirection="column">
      <Box>
        <Text color={color("accent")}>{`${MARK.focus} `}</Text>
        <Text bold>{label}:</Text>
      </Box>
      <Box marginLeft={2}>
        <SelectInput
          items={items}
          initialIndex={initial}
          indicatorComponent={ChoiceIndicator}
          itemComponent={ChoiceItem}
          onHighlight={(item) => (item.value === OTHER ? onOther() : onHighlight(item.value))}
          onSelect={(item) => (item.value === OTHER ? onOther() : onHighlight(item.value))}
        />
      </Box>
      {hint ? (
        <Box marginLeft={4}>
          <Text color={color("muted")}>{hint}</Text>
        </Box>
      ) : null}
    </Box>
  );
}
