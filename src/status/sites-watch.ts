import type { Site } from "../core/site.ts";
import type { GatewaySession } from "../remote/gateways.ts";
import { CHECK_IDS } from "./checks.ts";
import { startSitesLoop, type SitesLoopSettings } from "./sites-loop.ts";
import { pairLines, sitesExitCode, type SitesView } from "./sites-report.ts";
import { onStopSignal } from "./stop-signals.ts";

export type WatchOutput = { write(text: string): unknown };

const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/**
 * `--watch`'s line with more than two sites: "mesh of 4 sites: 6 of 6 pairs up", and while one is
 * red, the first red pair as the pair line says it. It changes when a pair goes up or down, not with
 * every handshake age.
 */
export function sitesSummaryLine(site: Site, view: SitesView, named?: ReadonlySet<string>): string {
  const pairs = pairLines(site, view, named);
  const red = pairs.filter((p) => p.status === "red");
  const shape = site.topology?.kind === "hub" ? `hub ${site.topology.hub}` : "mesh";
  const head = `${shape} of ${site.sites.length} sites: ${pairs.length - red.length} of ${pairs.length} pairs up`;
  if (red.length === 0) return head;
  return `${head}; ${red[0]!.text}${red.length > 1 ? ` (+${red.length - 1} more red)` : ""}`;
}

/**
 * The red checks, in fix order, one line each with the fix, for the pairs shown (`named`: those with a
 * named gateway at one end). A gateway that cannot be reached first.
 */
export function sitesRedLines(site: Site, view: SitesView, named?: ReadonlySet<string>): string[] {
  const lines: string[] = [];
  const shown = (self: string, pair: string | undefined) => !named || pair === undefined || named.has(self) || named.has(pair);
  view.gateways.forEach((g, i) => {
    if (g.error) lines.push(`${site.sites[i]!.name} unreachable: ${g.error}`);
  });
  for (const id of CHECK_IDS) {
    view.gateways.forEach((g, i) => {
      const name = site.sites[i]!.name;
      for (const c of g.checks.filter((c) => c.id === id && c.status === "red" && shown(name, c.pair))) {
        lines.push(`${name} ${c.pair ? `to ${c.pair} ` : ""}${c.title}: ${c.detail}${c.hint ? ` (fix: ${c.hint})` : ""}`);
      }
    });
  }
  return lines;
}

/**
 * `wgsite status --watch` with more than two sites: the pane's probing (sites-loop.ts) without the
 * pane. A line with the time and the summary whenever the summary changes; with `exitOnRed`, the
 * run ends with 3 and the red checks named on the first tick with a red pair (or a gateway that
 * cannot be reached). Runs until then, or until a signal ends it with 128+N.
 */
export function watchSitesHeadless(
  settings: SitesLoopSettings & { readonly exitOnRed: boolean; readonly named?: ReadonlySet<string> },
  out: WatchOutput,
): Promise<{ sessions: GatewaySession[]; code: number }> {
  const { site, named } = settings;
  let lastSummary = "";
  return new Promise((resolve) => {
    let finished = false;
    let loop: ReturnType<typeof startSitesLoop> | undefined;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      offSignals();
      loop?.stop();
      resolve({ sessions: loop?.sessions() ?? [...settings.sessions], code });
    };
    const offSignals = onStopSignal(finish);
    loop = startSitesLoop(settings, ({ view }) => {
      if (finished) return;
      const summary = sitesSummaryLine(site, view, named);
      if (summary !== lastSummary) {
        lastSummary = summary;
        out.write(`${stamp()} ${summary}\n`);
      }
      const code = sitesExitCode(view, named, site);
      if (settings.exitOnRed && code !== 0) {
        out.write(`red:\n${sitesRedLines(site, view, named).map((l) => `  ${l}\n`).join("")}`);
        finish(code);
      }
    });
  });
}
