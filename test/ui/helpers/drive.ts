import type { render } from "ink-testing-library";

/** Key sequences as a terminal sends them. */
export const KEY = {
  enter: "\r",
  tab: "\t",
  shiftTab: "\u001b[Z",
  esc: "\u001b",
  up: "\u001b[A",
  down: "\u001b[B",
  right: "\u001b[C",
  left: "\u001b[D",
  ctrlC: "\u0003",
  backspace: "\u007f",
} as const;

type Rendered = ReturnType<typeof render>;

const tick = (ms = 15) => new Promise((r) => setTimeout(r, ms));

// Colors depend on the terminal the tests run in; frames are compared as plain text.
const ANSI = /\u001b\[[0-9;]*m/g;

/** The last frame as plain text. */
export function frame(r: Rendered): string {
  return (r.lastFrame() ?? "").replace(ANSI, "");
}

/** Waits until the last frame satisfies `ok` (Ink renders asynchronously); fails with the frame seen. */
export async function frameWhere(r: Rendered, ok: (frame: string) => boolean, what = "the expected frame", timeoutMs = 3000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const seen = frame(r);
    if (ok(seen)) return seen;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last frame:\n${seen}`);
    await tick(10);
  }
}

/** The newest frame drawn so far that contains `text`, also after the app unmounted (plain text). */
export async function lastFrameWith(r: Rendered, text: string, timeoutMs = 3000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = [...r.frames].reverse().find((f) => f.includes(text));
    if (found !== undefined) return found.replace(ANSI, "");
    if (Date.now() > end) throw new Error(`timed out waiting for a frame with ${text}; last frame:\n${frame(r)}`);
    await tick(10);
  }
}

export function frameWith(r: Rendered, text: string | RegExp, timeoutMs?: number): Promise<string> {
  return frameWhere(r, (f) => (typeof text === "string" ? f.includes(text) : text.test(f)), JSON.stringify(String(text)), timeoutMs);
}

/** Presses keys one at a time, as a person does (Ink reads a burst as one paste). */
export async function press(r: Rendered, ...keys: string[]): Promise<void> {
  // A screen listens for keys from an effect that runs just after its first frame is drawn.
  await tick(30);
  for (const key of keys) {
    r.stdin.write(key);
    // A lone Esc is held back briefly by Ink in case a sequence follows.
    await tick(key === KEY.esc ? 80 : 25);
  }
}

/** Types text as one chunk (ink-text-input takes it as typed). */
export async function type(r: Rendered, text: string): Promise<void> {
  await tick(30);
  r.stdin.write(text);
  await tick(25);
}

/** A frame with wrapped lines joined, for matching sentences that wrap at the test terminal's width. */
export function flat(text: string): string {
  return text.replace(/\n\s+/g, " ");
}
