import chalk from "chalk";
import cliTruncate from "cli-truncate";
import stringWidth from "string-width";
import type { Site } from "../../core/site.ts";
import type { CheckStatus } from "../../status/checks.ts";
import { STATUS_MARK } from "../../status/report.ts";
import { pairLines, type PairCheck, type SitesView } from "../../status/sites-report.ts";
import { STATUS_KEY_LABELS, StatusCommand } from "./keys.ts";
import { statusColor } from "./tone.ts";

/*
 * The live pane for more than two sites, as terminal lines: one line per pair (six sites: 15), then
 * one gateway's detail at a time (←/→ switch): its own checks in a line, a line per other site.
 * Six sites fit 80x24.
 */

export type SitesPaneState = {
  readonly site: Site;
  readonly view?: SitesView;
  /** The gateway whose detail is shown. */
  readonly focus: number;
  readonly tick: number;
  /** Why the last tick failed as a whole, if it did. */
  readonly error?: string;
};

const mark = (status: CheckStatus) => {
  const c = statusColor(status);
  return c ? (chalk as unknown as Record<string, (s: string) => string>)[c]!(STATUS_MARK[status]) : STATUS_MARK[status];
};

const worst = (list: readonly CheckStatus[]): CheckStatus => (list.includes("red") ? "red" : list.includes("yellow") ? "yellow" : "green");

const cut = (line: string, max: number) => (stringWidth(line) <= max ? line : cliTruncate(line, max, { position: "end" }));

/** A pair as this gateway sees it: its first red check, else handshake, tunnel ping and LAN ping. */
function towardText(checks: readonly PairCheck[]): string {
  const red = checks.find((c) => c.status === "red");
  if (red) return `${red.title} ${red.detail}`;
  const pick = (id: string, label: string) => checks.find((c) => c.id === id && c.status === "green")?.detail.replace(/^/, `${label} `);
  return [pick("handshake", "handshake"), pick("tunnel-ping", "ping"), pick("lan-ping", "LAN")].filter(Boolean).join("  ") || (checks[0] ? `${checks[0].title} ${checks[0].detail}` : "no answer yet");
}

export function sitesPaneLines(state: SitesPaneState, columns: number, rows: number): string[] {
  const { site } = state;
  const shape = site.topology?.kind === "hub" && site.sites.length > 2 ? `hub ${site.topology.hub}` : "mesh";
  const keys = `${STATUS_KEY_LABELS[StatusCommand.NextGateway].split("/Tab")[0]} gateway  ${STATUS_KEY_LABELS[StatusCommand.Refresh]} refresh  ${STATUS_KEY_LABELS[StatusCommand.Quit]} quit`;
  const lines = [chalk.bold(`wgsite status  ${site.sites.length} sites, ${shape}`) + `  ${keys}`];
  if (!state.view) {
    lines.push(state.error ? `${mark("red")} ${state.error}` : "probing every gateway...");
    return lines.map((l) => cut(l, columns));
  }
  for (const p of pairLines(site, state.view)) lines.push(`${mark(p.status)} ${p.text}`);
  lines.push("");
  const def = site.sites[state.focus]!;
  const g = state.view.gateways[state.focus]!;
  lines.push(chalk.bold(`${def.name} (${def.ssh})  ${def.interface}`) + `  [${state.focus + 1}/${site.sites.length}]`);
  if (g.error) {
    lines.push(`  ${mark("red")} unreachable: ${g.error}`);
  } else {
    const own = g.checks.filter((c) => c.pair === undefined);
    lines.push(`  ${own.map((c) => `${mark(c.status)} ${c.title}`).join("  ")}`);
    const width = Math.max(...site.sites.map((s) => s.name.length));
    site.sites.forEach((other, j) => {
      if (j === state.focus) return;
      const mine = g.checks.filter((c) => c.pair === other.name);
      lines.push(`  ${mark(worst(mine.map((c) => c.status)))} to ${other.name.padEnd(width)}  ${towardText(mine)}`);
    });
  }
  return lines.slice(0, Math.max(1, rows)).map((l) => cut(l, columns));
}
