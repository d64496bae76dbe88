import { Box, Text } from "ink";
import { KEY_LABELS, type Command } from "../keys.ts";
import { color } from "../theme.ts";

export type Hint = { readonly command: Command; readonly does: string } | { readonly keys: string; readonly does: string };

export type Props = {
  /** What the keys do on this screen, in the order shown. */
  readonly hints: readonly Hint[];
};

/** The bottom line: which key does what here, read from the key table. */
export function KeyHints({ hints }: Props) {
  return (
    <Box marginTop={1}>
      <Text color={color("muted")}>{hints.map((h) => `${"command" in h ? KEY_LABELS[h.command] : h.keys} ${h.does}`).join("  ·  ")}</Text>
    </Box>
  );
}
