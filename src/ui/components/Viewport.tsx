import { Box, Text } from "ink";
import { useEffect, useState, type ReactNode } from "react";
import { useCommand } from "../hooks/use-command.ts";
import { useMeasuredHeight } from "../hooks/use-measured-height.ts";
import { Command, KEY_LABELS } from "../keys.ts";
import { color } from "../theme.ts";

export type Props = {
  /** Rows it may take, its last line included; undefined: as many as it needs (no terminal height known). */
  readonly rows: number | undefined;
  /** Which end shows first: the top for a document (a plan), the bottom for a log (what happened last). */
  readonly anchor: "top" | "bottom";
  /** A new value starts again at the anchor (another gateway's plan, another screen). */
  readonly resetKey?: string;
  readonly isActive: boolean;
  readonly children: ReactNode;
};

/**
 * Shows its content whole when it fits; else a window of it and one line saying where the window is and
 * which keys move it. A frame taller than the terminal would push its top (the header, the first steps of
 * a plan) into the scrollback, another copy with each redraw, and leave it out of view.
 */
export function Viewport({ rows, anchor, resetKey, isActive, children }: Props) {
  // Unknown until measured: the first frame is cut to the rows, never taller than the terminal.
  const [content, measured] = useMeasuredHeight(undefined);
  const height = measured ?? Number.MAX_SAFE_INTEGER;
  // Lines scrolled away from the anchor: from the top, or from the bottom for a log.
  const [scrolled, setScrolled] = useState(0);
  useEffect(() => setScrolled(0), [resetKey]);

  const fits = rows === undefined || height <= rows;
  const known = measured !== undefined;
  // One row of the window goes to the line that says where it is (once the height is known).
  const shown = fits ? height : known ? Math.max(1, rows - 1) : rows;
  const hidden = Math.max(0, height - shown);
  const away = Math.min(scrolled, hidden);
  const top = !known ? 0 : anchor === "top" ? away : hidden - away;
  const page = Math.max(1, shown - 1);
  const toward = (lines: number) => setScrolled((s) => Math.max(0, Math.min(hidden, Math.min(s, hidden) + lines)));
  const down = anchor === "top" ? page : -page;
  useCommand(Command.ScrollDown, () => toward(down), { isActive: isActive && known && !fits });
  useCommand(Command.ScrollUp, () => toward(-down), { isActive: isActive && known && !fits });

  // One shape of tree whether it fits or not, so the screen inside keeps its state across a resize.
  const below = hidden - top;
  const where = [top > 0 ? `▲ ${top} more (${KEY_LABELS[Command.ScrollUp]})` : "", below > 0 ? `▼ ${below} more (${KEY_LABELS[Command.ScrollDown]})` : ""].filter(Boolean);
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Box maxHeight={fits ? undefined : shown} overflowY={fits ? "visible" : "hidden"} flexDirection="column" flexShrink={0}>
        <Box ref={content} flexDirection="column" flexShrink={0} marginTop={-top}>
          {children}
        </Box>
      </Box>
      {!fits && known ? <Text color={color("muted")}>{`lines ${top + 1}–${top + shown} of ${height}  ·  ${where.join("  ")}`}</Text> : null}
    </Box>
  );
}
