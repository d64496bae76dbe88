import { StatusCommand, statusCommandOf } from "./keys.ts";
import { paneLines } from "./pane-lines.ts";
import { startProbeLoops, type ProbeSettings, type Sessions } from "./probe-loops.ts";
import { keyPresses } from "./raw-keys.ts";
import { initialStatus, statusReducer, type StatusEvent } from "./state.ts";
import { TerminalLines } from "./terminal-lines.ts";

/** Signals that end the pane the way q does (terminal restored, sessions handed back), with exit code 128+N. */
const STOP_SIGNALS = [["SIGTERM", 15], ["SIGHUP", 1], ["SIGINT", 2]] as const;

/**
 * The pane in this process's terminal, for `wgsite status` and after the wizard: ends on q, or on a
 * signal with its shell exit code. The sessions it ended with are the caller's to close.
 */
export async function watchInTerminal(settings: ProbeSettings): Promise<{ sessions: Sessions; code: number }> {
  const stop = new AbortController();
  let code = 0;
  const handlers = STOP_SIGNALS.map(([signal, n]) => {
    const handler = () => {
      code = 128 + n;
      stop.abort();
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    const sessions = await runLivePane(settings, { stdin: process.stdin, stdout: process.stdout }, stop.signal);
    return { sessions, code };
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

/** The terminal the pane runs in: process.stdin / process.stdout, or stand-ins in tests. */
export type Terminal = {
  readonly stdin: NodeJS.ReadStream | (NodeJS.ReadableStream & { setRawMode?: (raw: boolean) => unknown; isTTY?: boolean });
  readonly stdout: { write(text: string): unknown; columns?: number; rows?: number; on(event: "resize", fn: () => void): unknown; off(event: "resize", fn: () => void): unknown };
};

/**
 * The live pane in a terminal: the probe loops feed the reducer, and every change of state is drawn
 * as lines (pane-lines.ts) straight to the terminal, only the lines that changed. The pane runs for
 * as long as an operator watches it, so it does without Ink's layout: a frame costs well under a
 * millisecond instead of 6-12 ms (bench/FINDINGS.md). Resolves on q, Esc or Ctrl-C, or when `stop`
 * is signalled, with the sessions in use then (a reconnect replaces one); the caller closes them.
 */
export function runLivePane(settings: ProbeSettings, terminal: Terminal, stop?: AbortSignal): Promise<Sessions> {
  const { stdin, stdout } = terminal;
  const screen = new TerminalLines(stdout);
  let state = initialStatus(settings.site);
  let drawQueued = false;
  let finished = false;
  const size = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const draw = () => {
    drawQueued = false;
    if (finished) return;
    const { columns, rows } = size();
    screen.draw(paneLines(state, columns, rows), rows);
  };
  // Events arrive in bursts (both gateways' results of a tick together): one draw per burst.
  const dispatch = (event: StatusEvent) => {
    const next = statusReducer(state, event);
    if (next === state) return;
    state = next;
    if (!drawQueued) {
      drawQueued = true;
      setImmediate(draw);
    }
  };
  const loops = startProbeLoops(settings, dispatch);
  draw();

  return new Promise<Sessions>((resolve) => {
    const finish = () => {
      if (finished) return;
      if (drawQueued) draw();
      finished = true;
      loops.stop();
      stdin.off("data", onData);
      stdout.off("resize", onResize);
      stop?.removeEventListener("abort", finish);
      screen.end();
      stdin.setRawMode?.(false);
      stdin.pause();
      resolve(loops.sessions());
    };
    const onData = (data: Buffer | string) => {
      for (const { input, key } of keyPresses(data.toString())) {
        const command = statusCommandOf(input, key);
        if (command === StatusCommand.Quit) return finish();
        if (command === StatusCommand.Refresh) loops.refresh();
        else if (command === StatusCommand.NextGateway || command === StatusCommand.PreviousGateway) dispatch({ type: "focus", to: command === StatusCommand.NextGateway ? "next" : "previous" });
      }
    };
    const onResize = () => {
      screen.resized();
      draw();
    };
    if (stop?.aborted) return finish();
    stop?.addEventListener("abort", finish, { once: true });
    stdin.setRawMode?.(true);
    stdin.on("data", onData);
    stdin.resume();
    stdout.on("resize", onResize);
  });
}
