import type { Key } from "ink";

/** The part of a key press the pane looks at, in the shape of Ink's `Key` (raw-keys.ts reads it from the terminal). */
export type StatusKey = Pick<Key, "ctrl" | "shift" | "escape" | "tab" | "leftArrow" | "rightArrow" | "upArrow" | "downArrow">;

/**
 * What a key means in the status pane. The wizard's table (src/ui/keys.ts) has no refresh and binds
 * Tab to "next field", so the pane keeps its own, in the same shape.
 */
export const StatusCommand = {
  Quit: "quit",
  Refresh: "refresh",
  NextGateway: "next-gateway",
  PreviousGateway: "previous-gateway",
} as const;

export type StatusCommand = (typeof StatusCommand)[keyof typeof StatusCommand];

const BINDINGS: Record<StatusCommand, (input: string, key: StatusKey) => boolean> = {
  [StatusCommand.Quit]: (input, key) => (!key.ctrl && (input === "q" || input === "Q")) || (key.ctrl && input === "c") || key.escape,
  [StatusCommand.Refresh]: (input, key) => !key.ctrl && (input === "r" || input === "R"),
  [StatusCommand.NextGateway]: (_input, key) => key.rightArrow || key.downArrow || (key.tab && !key.shift),
  [StatusCommand.PreviousGateway]: (_input, key) => key.leftArrow || key.upArrow || (key.tab && key.shift),
};

export const STATUS_KEY_LABELS: Record<StatusCommand, string> = {
  [StatusCommand.Quit]: "q",
  [StatusCommand.Refresh]: "r",
  [StatusCommand.NextGateway]: "←/→/Tab",
  [StatusCommand.PreviousGateway]: "Shift-Tab",
};

export function statusCommandOf(input: string, key: StatusKey): StatusCommand | undefined {
  return (Object.keys(BINDINGS) as StatusCommand[]).find((c) => BINDINGS[c](input, key));
}
