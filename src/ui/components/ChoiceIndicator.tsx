import { Box, Text } from "ink";
import { color, MARK } from "../theme.ts";

export type Props = {
  /** The entry under the cursor. */
  readonly isSelected?: boolean;
};

/** The cursor in a list of choices. */
export function ChoiceIndicator({ isSelected = false }: Props) {
  return (
    <Box marginRight={1}>
      <Text color={color("accent")}>{isSelected ? MARK.focus : " "}</Text>
    </Box>
  );
}
