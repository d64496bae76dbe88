import type { Key } from "ink";

/**
 * What a key means to the wizard. Screens ask for a meaning (`Command.Back`), never for a key code,
 * so the bindings live in this one table and the key hints read from it.
 */
export const Command = {
  /** Accept the field and go to the next one; on the last field, go to the next screen. */
  Next: "next",
  /** Previous field on the same screen. */
  PreviousField: "previous-field",
  /** Next field without the Enter semantics of lists (arrow down). */
  NextField: "next-field",
  /** Previous screen; every answer is kept. */
  Back: "back",
  /** Leave the wizard (asks first while gateways are being changed). */
  Quit: "quit",
  /** Answer yes to a question on screen. */
  Yes: "yes",
  /** Answer no to a question on screen. */
  No: "no",
  /** Show the other gateway's plan. */
  SwitchGateway: "switch-gateway",
  /** With more than two gateways: the previous or next one's plan. */
  PreviousGateway: "previous-gateway",
  NextGateway: "next-gateway",
  /** Scroll a part taller than the terminal up by a page. */
  ScrollUp: "scroll-up",
  /** Scroll a part taller than the terminal down by a page. */
  ScrollDown: "scroll-down",
} as const;

export type Command = (typeof Command)[keyof typeof Command];

const BINDINGS: Record<Command, (input: string, key: Key) => boolean> = {
  [Command.Next]: (_input, key) => key.return || (key.tab && !key.shift),
  [Command.PreviousField]: (_input, key) => (key.tab && key.shift) || key.upArrow,
  [Command.NextField]: (_input, key) => key.downArrow,
  [Command.Back]: (_input, key) => key.escape,
  [Command.Quit]: (input, key) => key.ctrl && input === "c",
  [Command.Yes]: (input, key) => !key.ctrl && (input === "y" || input === "Y"),
  [Command.No]: (input, key) => !key.ctrl && (input === "n" || input === "N"),
  [Command.SwitchGateway]: (_input, key) => key.leftArrow || key.rightArrow,
  [Command.PreviousGateway]: (_input, key) => key.leftArrow,
  [Command.NextGateway]: (_input, key) => key.rightArrow,
  [Command.ScrollUp]: (_input, key) => key.pageUp,
  [Command.ScrollDown]: (_input, key) => key.pageDown,
};

/** How each meaning is written in the key hints at the bottom of the screen. */
export const KEY_LABELS: Record<Command, string> = {
  [Command.Next]: "Enter/Tab",
  [Command.PreviousField]: "Shift-Tab/↑",
  [Command.NextField]: "↓",
  [Command.Back]: "Esc",
  [Command.Quit]: "Ctrl-C",
  [Command.Yes]: "y",
  [Command.No]: "n",
  [Command.SwitchGateway]: "←/→",
  [Command.PreviousGateway]: "←",
  [Command.NextGateway]: "→",
  [Command.ScrollUp]: "PgUp",
  [Command.ScrollDown]: "PgDn",
};

export function matches(command: Command, input: string, key: Key): boolean {
  return BINDINGS[command](input, key);
}
