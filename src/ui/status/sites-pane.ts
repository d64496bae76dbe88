import type { Site } from "../../core/site.ts";
import type { GatewaySession } from "../../remote/gateways.ts";
import type { StatusSample } from "../../status/sample.ts";
import { snapshotSites } from "../../status/sites-probe.ts";
import { judgeSitesStatus, type SitesGatewayView } from "../../status/sites-report.ts";
import { StatusCommand, statusCommandOf } from "./keys.ts";
import type { Terminal } from "./live-pane.ts";
import { keyPresses } from "./raw-keys.ts";
import { sitesPaneLines, type SitesPaneState } from "./sites-pane-lines.ts";
import { TerminalLines } from "./terminal-lines.ts";

export type SitesPaneSettings = {
  readonly site: Site;
  readonly sessions: readonly GatewaySession[];
  readonly intervalSec: number;
  /** The slow probes (path MTU, latency) every this many ticks, and on r. */
  readonly heavyEvery?: number;
  /** Opens a gateway again after its connection dropped. */
  readonly reconnect?: (previous: GatewaySession) => Promise<GatewaySession>;
};

/** A light tick keeps the latest slow measurements of each pair. */
function keepHeavy(previous: readonly SitesGatewayView[] | undefined, next: readonly SitesGatewayView[]): SitesGatewayView[] {
  return next.map((g, i) => {
    const before = previous?.[i]?.samples;
    if (!before) return g;
    const samples = new Map<string, StatusSample>();
    for (const [name, s] of g.samples) samples.set(name, s.heavy || !before.get(name)?.heavy ? s : { ...s, heavy: before.get(name)!.heavy! });
    return { ...g, samples };
  });
}

/**
 * The live pane for more than two sites: every gateway probed toward every other site once per
 * tick (one round trip each), the pairs above one gateway's detail. Resolves on q, Esc or Ctrl-C
 * (or `stop`) with the sessions in use (a reconnect replaces one); the caller closes them.
 */
export function runSitesPane(settings: SitesPaneSettings, terminal: Terminal, stop?: AbortSignal): Promise<{ sessions: GatewaySession[]; code: number }> {
  const { stdin, stdout } = terminal;
  const screen = new TerminalLines(stdout);
  const sessions = [...settings.sessions];
  const heavyEvery = settings.heavyEvery ?? 10;
  let state: SitesPaneState = { site: settings.site, focus: 0, tick: 0 };
  let raw: SitesGatewayView[] | undefined;
  let finished = false;
  let heavyNext = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const size = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const draw = () => {
    if (finished) return;
    const { columns, rows } = size();
    screen.draw(sitesPaneLines(state, columns, rows), rows);
  };

  const tick = async () => {
    if (finished) return;
    const heavy = heavyNext || state.tick % heavyEvery === 0;
    heavyNext = false;
    const views = keepHeavy(raw, await snapshotSites(settings.site, sessions, heavy));
    if (finished) return;
    raw = views;
    state = { ...state, view: judgeSitesStatus(settings.site, views), tick: state.tick + 1 };
    draw();
    // A gateway that dropped is opened again for the next tick.
    await Promise.all(
      views.map(async (v, i) => {
        if (!v.error || !settings.reconnect) return;
        try {
          sessions[i] = await settings.reconnect(sessions[i]!);
        } catch {}
      }),
    );
    if (!finished) timer = setTimeout(() => void tick(), settings.intervalSec * 1000);
  };

  return new Promise((resolve) => {
    const finish = () => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      stdin.off("data", onData);
      stdout.off("resize", onResize);
      stop?.removeEventListener("abort", finish);
      screen.end();
      stdin.setRawMode?.(false);
      stdin.pause();
      resolve({ sessions, code: 0 });
    };
    const onData = (data: Buffer | string) => {
      for (const { input, key } of keyPresses(data.toString())) {
        const command = statusCommandOf(input, key);
        if (command === StatusCommand.Quit) return finish();
        if (command === StatusCommand.Refresh) heavyNext = true;
        else if (command === StatusCommand.NextGateway || command === StatusCommand.PreviousGateway) {
          const n = settings.site.sites.length;
          state = { ...state, focus: (state.focus + (command === StatusCommand.NextGateway ? 1 : n - 1)) % n };
          draw();
        }
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
    draw();
    void tick();
  });
}

/** The pane in this process's terminal; a signal ends it as q does, with exit code 128+N. */
export async function watchSitesInTerminal(settings: SitesPaneSettings): Promise<{ sessions: GatewaySession[]; code: number }> {
  const stop = new AbortController();
  let code = 0;
  const handlers = ([["SIGTERM", 15], ["SIGHUP", 1], ["SIGINT", 2]] as const).map(([signal, n]) => {
    const handler = () => {
      code = 128 + n;
      stop.abort();
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    const { sessions } = await runSitesPane(settings, { stdin: process.stdin, stdout: process.stdout }, stop.signal);
    return { sessions, code };
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
