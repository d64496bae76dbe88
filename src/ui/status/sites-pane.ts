import type { GatewaySession } from "../../remote/gateways.ts";
import { startSitesLoop, type SitesLoopSettings } from "../../status/sites-loop.ts";
import { StatusCommand } from "./keys.ts";
import { holdTerminal, inProcessTerminal, type Terminal } from "./pane-terminal.ts";
import { sitesPaneLines, type SitesPaneState } from "./sites-pane-lines.ts";
import { TerminalLines } from "./terminal-lines.ts";

export type SitesPaneSettings = SitesLoopSettings;

/**
 * The live pane for more than two sites: every gateway probed toward every other site once per
 * tick (sites-loop.ts), the pairs above one gateway's detail. Resolves on q, Esc or Ctrl-C (or
 * `stop`) with the sessions in use (a reconnect replaces one); the caller closes them.
 */
export function runSitesPane(settings: SitesPaneSettings, terminal: Terminal, stop?: AbortSignal): Promise<{ sessions: GatewaySession[]; code: number }> {
  const { stdout } = terminal;
  const screen = new TerminalLines(stdout);
  let state: SitesPaneState = { site: settings.site, focus: 0, tick: 0 };
  let finished = false;
  const size = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const draw = () => {
    if (finished) return;
    const { columns, rows } = size();
    screen.draw(sitesPaneLines(state, columns, rows), rows);
  };

  return new Promise((resolve) => {
    let loop: ReturnType<typeof startSitesLoop> | undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      loop?.stop();
      release();
      resolve({ sessions: loop?.sessions() ?? [...settings.sessions], code: 0 });
    };
    const release = holdTerminal(terminal, screen, {
      quit: finish,
      redraw: draw,
      command: (command) => {
        if (command === StatusCommand.Refresh) loop?.refresh();
        else {
          const n = settings.site.sites.length;
          state = { ...state, focus: (state.focus + (command === StatusCommand.NextGateway ? 1 : n - 1)) % n };
          draw();
        }
      },
    }, stop);
    if (stop?.aborted) return finish();
    draw();
    loop = startSitesLoop(settings, ({ view, tick }) => {
      state = { ...state, view, tick };
      draw();
    });
  });
}

/** The pane in this process's terminal; a signal ends it as q does, with exit code 128+N. */
export async function watchSitesInTerminal(settings: SitesPaneSettings): Promise<{ sessions: GatewaySession[]; code: number }> {
  const { result, code } = await inProcessTerminal((terminal, stop) => runSitesPane(settings, terminal, stop));
  return { sessions: result.sessions, code };
}
