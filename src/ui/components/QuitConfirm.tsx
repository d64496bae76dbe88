import { Box, Text } from "ink";
import { useCommand } from "../hooks/use-command.ts";
import { Command } from "../keys.ts";
import { color } from "../theme.ts";

export type Props = {
  readonly onAnswer: (abandon: boolean) => void;
};

/** Ctrl-C while the gateways are being changed: leaving may leave them half-configured. */
export function QuitConfirm({ onAnswer }: Props) {
  useCommand(Command.Yes, () => onAnswer(true));
  useCommand(Command.No, () => onAnswer(false));
  useCommand(Command.Back, () => onAnswer(false));
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={color("warn")} paddingX={1}>
      <Text bold>The gateways are being changed right now.</Text>
      <Text>Leaving now may leave them half-configured; running wgsite again finishes the job.</Text>
      <Text>Leave anyway? (y: leave, n: keep going)</Text>
    </Box>
  );
}
