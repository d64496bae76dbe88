import type { Site } from "../core/site.ts";
import { CHECK_IDS } from "../status/checks.ts";
import { exitCodeOf, summaryLine, type GatewayView } from "../status/report.ts";
import { startProbeLoops, type ProbeSettings, type Sessions } from "../ui/status/probe-loops.ts";
import { gatewayViews, initialStatus, statusReducer, type StatusState } from "../ui/status/state.ts";

/** Signals that end the watch with their shell exit code, sessions handed back for closing. */
const STOP_SIGNALS = [["SIGTERM", 15], ["SIGHUP", 1], ["SIGINT", 2]] as const;

export type WatchOutput = { write(text: string): unknown };

const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** Both gateways judged (or one known unreachable): before that, a missing side is not a verdict. */
function judged(state: StatusState): boolean {
  return state.gateways.every((g) => g.checks.length > 0 || g.link.kind === "reconnecting");
}

/** The red checks, in fix order, one line each with the fix: what a cron mail or a CI log should say. */
export function redLines(site: Site, views: readonly [GatewayView, GatewayView]): string[] {
  const lines: string[] = [];
  for (const [i, g] of views.entries()) {
    if (g.error) lines.push(`${site.sites[i]!.name} unreachable: ${g.error}`);
  }
  for (const id of CHECK_IDS) {
    for (const [i, g] of views.entries()) {
      for (const c of g.checks.filter((c) => c.id === id && c.status === "red")) {
        lines.push(`${site.sites[i]!.name} ${c.title}: ${c.detail}${c.hint ? ` (fix: ${c.hint})` : ""}`);
      }
    }
  }
  return lines;
}

/**
 * `wgsite status --watch`: the live pane's probe loops (one held connection per gateway) without
 * the pane. A line with the time and the summary whenever the summary changes; with `exitOnRed`,
 * the run ends with 3 and the red checks named on the first judgement that has one. Runs until
 * then, or until a signal ends it with 128+N.
 */
export function watchHeadless(
  settings: ProbeSettings & { readonly exitOnRed: boolean },
  out: WatchOutput,
): Promise<{ sessions: Sessions; code: number }> {
  let state = initialStatus(settings.site);
  let lastSummary = "";
  return new Promise((resolve) => {
    let finished = false;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      for (const [signal, handler] of handlers) process.off(signal, handler);
      loops.stop();
      resolve({ sessions: loops.sessions(), code });
    };
    const handlers = STOP_SIGNALS.map(([signal, n]) => {
      const handler = () => finish(128 + n);
      process.on(signal, handler);
      return [signal, handler] as const;
    });
    const loops = startProbeLoops(settings, (event) => {
      if (finished) return;
      state = statusReducer(state, event);
      if (!judged(state)) return;
      const views = gatewayViews(state);
      const summary = summaryLine(settings.site, views);
      if (summary !== lastSummary) {
        lastSummary = summary;
        out.write(`${stamp()} ${summary}\n`);
      }
      if (settings.exitOnRed && exitCodeOf(views) !== 0) {
        out.write(`red:\n${redLines(settings.site, views).map((l) => `  ${l}\n`).join("")}`);
        finish(exitCodeOf(views));
      }
    });
  });
}
