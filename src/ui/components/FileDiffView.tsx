import { Box, Text } from "ink";
import type { PlannedFile } from "../../core/plan-types.ts";
import { fileDiff } from "../file-diff.ts";
import { color } from "../theme.ts";

export type Props = {
  readonly file: PlannedFile;
};

const STATUS = { new: "new file", changed: "changes", same: "already as planned", unknown: "planned content" } as const;

/** A file the plan writes, as a diff against what the gateway holds now. */
export function FileDiffView({ file }: Props) {
  const diff = fileDiff(file);
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text bold>
        {file.path} <Text color={color("muted")}>(mode {file.mode}, {STATUS[diff.status]})</Text>
      </Text>
      {diff.lines.map((line, i) => (
        <Text key={i} color={line.kind === "add" ? color("added") : line.kind === "remove" ? color("removed") : color("muted")}>
          {line.kind === "add" ? "+ " : line.kind === "remove" ? "- " : line.kind === "gap" ? "" : "  "}
          {line.text}
        </Text>
      ))}
    </Box>
  );
}
