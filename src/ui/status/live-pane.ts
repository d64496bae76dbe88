import { StatusCommand } from "./keys.ts";
import { paneLines } from "./pane-lines.ts";
import { holdTerminal, inProcessTerminal, type Terminal } from "./pane-terminal.ts";
import { startProbeLoops, type ProbeSettings, type Sessions } from "./probe-loops.ts";
import { initialStatus, statusReducer, type StatusEvent } from "./state.ts";
import { TerminalLines } from "./terminal-lines.ts";

export type { Terminal } from "./pane-terminal.ts";

/**
 * The pane in this process's terminal, for `wgsite status` and after the wizard: ends on q, or on a
 * signal with its shell exit code. The sessions it ended with are the caller's to close.
 */
export async function watchInTerminal(settings: ProbeSettings): Promise<{ sessions: Sessions; code: number }> {
  const { result: sessions, code } = await inProcessTerminal((terminal, stop) => runLivePane(settings, terminal, stop));
  return { sessions, code };
}

/**
 * The live pane in a terminal: the probe loops feed the reducer, and every change of state is drawn
 * as lines (pane-lines.ts) straight to the terminal, only the lines that changed. The pane runs for
 * as long as an operator watches it, so it does without Ink's layout: a frame costs well under a
 * millisecond instead of 6-12 ms (bench/FINDINGS.md). Resolves on q, Esc or Ctrl-C, or when `stop`
 * is signalled, with the sessions in use then (a reconnect replaces one); the caller closes them.
 */
export function runLivePane(settings: ProbeSettings, terminal: Terminal, stop?: AbortSignal): Promise<Sessions> {
  const { stdout } = terminal;
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
      release();
      resolve(loops.sessions());
    };
    const release = holdTerminal(terminal, screen, {
      quit: finish,
      redraw: draw,
      command: (command) => {
        if (command === StatusCommand.Refresh) loops.refresh();
        else dispatch({ type: "focus", to: command === StatusCommand.NextGateway ? "next" : "previous" });
      },
    }, stop);
    if (stop?.aborted) finish();
  });
}
