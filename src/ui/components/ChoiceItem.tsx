import { Text } from "ink";
import { color } from "../theme.ts";

export type Props = {
  /** The entry under the cursor. */
  readonly isSelected?: boolean;
  readonly label: string;
};

/** A list entry that honours NO_COLOR (ink-select-input's own is always blue). */
export function ChoiceItem({ isSelected = false, label }: Props) {
  return (
    <Text color={isSelected ? color("accent") : undefined} bold={isSelected}>
      {label}
    </Text>
  );
}
