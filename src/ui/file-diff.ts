import { structuredPatch } from "diff";
import type { PlannedFile } from "../core/plan-types.ts";

export type DiffLine = { readonly kind: "add" | "remove" | "context" | "gap"; readonly text: string };

export type FileDiff = { readonly status: "new" | "changed" | "same" | "unknown"; readonly lines: readonly DiffLine[] };

/** What writing a planned file changes on the gateway, as unified-diff lines (3 lines of context). */
export function fileDiff(file: PlannedFile): FileDiff {
  if (file.existing === null) return { status: "unknown", lines: file.content.trimEnd().split("\n").map((text) => ({ kind: "add", text })) };
  if (file.existing === file.content) return { status: "same", lines: [] };
  const patch = structuredPatch(file.path, file.path, file.existing ?? "", file.content, "", "", { context: 3 });
  const lines: DiffLine[] = [];
  patch.hunks.forEach((hunk, i) => {
    if (i > 0 || hunk.oldStart > 1) lines.push({ kind: "gap", text: `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@` });
    for (const line of hunk.lines) {
      if (line.startsWith("\\")) continue;
      lines.push({ kind: line[0] === "+" ? "add" : line[0] === "-" ? "remove" : "context", text: line.slice(1) });
    }
  });
  return { status: file.existing === undefined ? "new" : "changed", lines };
}
