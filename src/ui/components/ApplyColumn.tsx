import { Box, Text } from "ink";
import type { StepLine } from "../state.ts";
import { color } from "../theme.ts";
import { StepRow } from "./StepRow.tsx";

export type Props = {
  readonly site: string;
  readonly ssh: string;
  readonly steps: readonly StepLine[];
};

/** The steps of one gateway, top to bottom as the engine runs them. */
export function ApplyColumn({ site, ssh, steps }: Props) {
  return (
    <Box flexDirection="column" width="50%" paddingRight={2}>
      <Text bold>
        {site} <Text color={color("muted")}>({ssh})</Text>
      </Text>
      {steps.map((s) => (
        <StepRow key={s.id} step={s} />
      ))}
    </Box>
  );
}
