import type { StatusKey } from "./keys.ts";

export type KeyPress = { readonly input: string; readonly key: StatusKey };

const NONE: StatusKey = { ctrl: false, shift: false, escape: false, tab: false, leftArrow: false, rightArrow: false, upArrow: false, downArrow: false };

const SEQUENCES: Record<string, Partial<StatusKey>> = {
  "\x1b[A": { upArrow: true },
  "\x1b[B": { downArrow: true },
  "\x1b[C": { rightArrow: true },
  "\x1b[D": { leftArrow: true },
  "\x1bOA": { upArrow: true },
  "\x1bOB": { downArrow: true },
  "\x1bOC": { rightArrow: true },
  "\x1bOD": { leftArrow: true },
  "\x1b[Z": { tab: true, shift: true },
};

/**
 * What a raw terminal read holds, as key presses in the shape Ink reports them (Ctrl-C is input "c"
 * with ctrl). Only what the pane binds is named; any other escape sequence is skipped whole.
 */
export function keyPresses(data: string): KeyPress[] {
  const out: KeyPress[] = [];
  for (let i = 0; i < data.length; ) {
    const ch = data[i]!;
    if (ch === "\x1b") {
      const seq = /^\x1b(?:\[[0-9;]*[A-Za-z~]|O[A-Za-z])/.exec(data.slice(i))?.[0];
      if (!seq) {
        out.push({ input: "", key: { ...NONE, escape: true } });
        i += 1;
        continue;
      }
      const named = SEQUENCES[seq];
      if (named) out.push({ input: "", key: { ...NONE, ...named } });
      i += seq.length;
      continue;
    }
    if (ch === "\t") out.push({ input: "", key: { ...NONE, tab: true } });
    else if (ch < " ") out.push({ input: String.fromCharCode(ch.charCodeAt(0) + 96), key: { ...NONE, ctrl: true } });
    else out.push({ input: ch, key: NONE });
    i += 1;
  }
  return out;
}
