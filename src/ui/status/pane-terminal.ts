import { onStopSignal } from "../../status/stop-signals.ts";
import { StatusCommand, statusCommandOf } from "./keys.ts";
import { keyPresses } from "./raw-keys.ts";
import type { TerminalLines } from "./terminal-lines.ts";

/** The terminal a pane runs in: process.stdin / process.stdout, or stand-ins in tests. */
export type Terminal = {
  readonly stdin: NodeJS.ReadStream | (NodeJS.ReadableStream & { setRawMode?: (raw: boolean) => unknown; isTTY?: boolean });
  readonly stdout: { write(text: string): unknown; columns?: number; rows?: number; on(event: "resize", fn: () => void): unknown; off(event: "resize", fn: () => void): unknown };
};

/** What a pane does with the terminal's keys and size: q, Esc, Ctrl-C and `stop` call `quit`. */
export type PaneInput = {
  readonly quit: () => void;
  readonly command: (command: Exclude<StatusCommand, typeof StatusCommand.Quit>) => void;
  readonly redraw: () => void;
};

/**
 * Both panes (two sites, more) take the terminal the same way: raw keys, a redraw on resize, `stop`
 * as q. Returns what gives it back as found (raw mode off, listeners gone, the cursor below the
 * pane); the pane calls that when it ends. Already stopped: nothing is taken, the pane ends at once.
 */
export function holdTerminal(terminal: Terminal, screen: TerminalLines, input: PaneInput, stop?: AbortSignal): () => void {
  const { stdin, stdout } = terminal;
  const onData = (data: Buffer | string) => {
    for (const { input: text, key } of keyPresses(data.toString())) {
      const command = statusCommandOf(text, key);
      if (command === StatusCommand.Quit) return input.quit();
      if (command) input.command(command);
    }
  };
  const onResize = () => {
    screen.resized();
    input.redraw();
  };
  const release = () => {
    stdin.off("data", onData);
    stdout.off("resize", onResize);
    stop?.removeEventListener("abort", input.quit);
    screen.end();
    stdin.setRawMode?.(false);
    stdin.pause();
  };
  if (stop?.aborted) return release;
  stop?.addEventListener("abort", input.quit, { once: true });
  stdin.setRawMode?.(true);
  stdin.on("data", onData);
  stdin.resume();
  stdout.on("resize", onResize);
  return release;
}

/** A pane in this process's terminal; a signal ends it as q does, with exit code 128+N. */
export async function inProcessTerminal<T>(run: (terminal: Terminal, stop: AbortSignal) => Promise<T>): Promise<{ result: T; code: number }> {
  const stop = new AbortController();
  let code = 0;
  const off = onStopSignal((n) => {
    code = n;
    stop.abort();
  });
  try {
    const result = await run({ stdin: process.stdin, stdout: process.stdout }, stop.signal);
    return { result, code };
  } finally {
    off();
  }
}
