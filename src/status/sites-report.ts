import type { Site } from "../core/site.ts";
import { hubIndex, sitePairs } from "../core/topology.ts";
import { CHECK_IDS, checks, type Check, type CheckId, type CheckStatus } from "./checks.ts";
import { checkJson, gatewayJsonHead } from "./gateway-json.ts";
import { statusMark, type TextStyle } from "./report.ts";
import type { StatusSample } from "./sample.ts";

/**
 * Status with more than two sites: each gateway probes the path to every other site (a spoke to a
 * spoke through the hub) and is judged per pair by the same checks as two sites; the report puts
 * one line per pair above each gateway's detail.
 */

/** Checks about one gateway alone, shown once (from its first pair). */
const OWN: readonly CheckId[] = ["unit", "interface", "ip-forward", "rp-filter", "mtu"];

/** One gateway's samples, by the other site's name; error: it could not be reached. */
export type SitesGatewayView = { readonly samples: ReadonlyMap<string, StatusSample>; readonly error?: string };

export type PairCheck = Check & { readonly pair?: string };
export type SitesView = { readonly gateways: readonly { readonly error?: string; readonly checks: readonly PairCheck[] }[] };

/** The linked gateway of a pair (the hub for a spoke to a spoke), whose own key the peer entry must hold. */
export function linkOf(site: Site, i: number, j: number): number | undefined {
  const hub = hubIndex(site);
  return hub !== undefined && i !== hub && j !== hub ? hub : undefined;
}

export function judgeSitesStatus(site: Site, views: readonly SitesGatewayView[]): SitesView {
  const own = (k: number) => [...(views[k]?.samples.values() ?? [])][0];
  return {
    gateways: views.map((view, i) => {
      if (view.error) return { error: view.error, checks: [] };
      const out: PairCheck[] = [];
      site.sites.forEach((other, j) => {
        if (j === i) return;
        const sample = view.samples.get(other.name);
        if (!sample) return;
        const via = linkOf(site, i, j);
        const list = checks(site, i, sample, own(via ?? j), { peer: j, ...(via !== undefined ? { via } : {}) });
        if (!out.some((c) => c.pair === undefined)) out.push(...list.filter((c) => OWN.includes(c.id)));
        // Through the hub the peer entry is the hub's, shown on the pair with the hub.
        const skip: readonly CheckId[] = via !== undefined ? [...OWN, "peer-key", "endpoint", "handshake"] : OWN;
        out.push(...list.filter((c) => !skip.includes(c.id)).map((c) => ({ ...c, pair: other.name })));
      });
      return { checks: out };
    }),
  };
}

const worst = (list: readonly CheckStatus[]): CheckStatus => (list.includes("red") ? "red" : list.includes("yellow") ? "yellow" : "green");

export type PairLine = { readonly a: string; readonly b: string; readonly via?: string; readonly status: CheckStatus; readonly text: string };

/** "alpha <-> gamma: up, handshake 12 s, 0.6 ms, 0 % loss", or the first red check of either end. */
export function pairLines(site: Site, view: SitesView, named?: ReadonlySet<string>): PairLine[] {
  const shown = sitePairs(site).filter(([i, j]) => !named || named.has(site.sites[i]!.name) || named.has(site.sites[j]!.name));
  return shown.map(([i, j]) => {
    const a = site.sites[i]!.name;
    const b = site.sites[j]!.name;
    const via = linkOf(site, i, j);
    const head = `${a} <-> ${b}${via !== undefined ? ` (via ${site.sites[via]!.name})` : ""}`;
    const ends = [
      { name: a, g: view.gateways[i]!, other: b },
      { name: b, g: view.gateways[j]!, other: a },
    ];
    const down = ends.find((e) => e.g.error);
    if (down) return { a, b, ...(via !== undefined ? { via: site.sites[via]!.name } : {}), status: "red", text: `${head}: ${down.name} unreachable` };
    const mine = ends.map((e) => [...e.g.checks.filter((c) => c.pair === e.other), ...e.g.checks.filter((c) => c.pair === undefined)]);
    for (const id of CHECK_IDS) {
      for (const [n, list] of mine.entries()) {
        const red = list.find((c) => c.id === id && c.status === "red");
        if (red) return { a, b, ...(via !== undefined ? { via: site.sites[via]!.name } : {}), status: "red", text: `${head}: ${ends[n]!.name} ${red.title} ${red.detail}` };
      }
    }
    const handshake = mine[0]!.find((c) => c.id === "handshake" && c.status === "green") ?? (via !== undefined ? view.gateways[i]!.checks.find((c) => c.id === "handshake" && c.pair === site.sites[via]!.name) : undefined);
    const latency = mine.flat().find((c) => c.id === "latency" && c.status !== "red" && /ms/.test(c.detail));
    const status = worst(mine.flat().map((c) => c.status));
    const parts = ["up", ...(handshake ? [`handshake ${handshake.detail}`] : []), ...(latency ? [latency.detail] : [])];
    return { a, b, ...(via !== undefined ? { via: site.sites[via]!.name } : {}), status, text: `${head}: ${parts.join(", ")}` };
  });
}

/** 3 when a shown pair is red or a shown gateway cannot be reached, 0 otherwise (yellow does not fail). */
export function sitesExitCode(view: SitesView, named?: ReadonlySet<string>, site?: Site): number {
  if (site) return pairLines(site, view, named).some((p) => p.status === "red") ? 3 : 0;
  return view.gateways.some((g) => g.error || g.checks.some((c) => c.status === "red")) ? 3 : 0;
}

export function sitesStatusJson(site: Site, view: SitesView, named?: ReadonlySet<string>) {
  const pairs = pairLines(site, view, named);
  return {
    status: worst([...pairs.map((p) => p.status)]),
    pairs: pairs.map((p) => ({ sites: [p.a, p.b], ...(p.via ? { via: p.via } : {}), status: p.status, summary: p.text })),
    gateways: view.gateways.flatMap((g, i) => {
      const def = site.sites[i]!;
      if (named && !named.has(def.name)) return [];
      return { ...gatewayJsonHead(def, g.error), checks: g.checks.map(checkJson) };
    }),
  };
}

/** The `--once` report: one line per pair, then each gateway's own checks and its checks per other site. */
export function sitesStatusText(site: Site, view: SitesView, style: TextStyle, named?: ReadonlySet<string>): string {
  const lines = pairLines(site, view, named).map((p) => `${statusMark(p.status, style)} ${p.text}`);
  lines.push("");
  view.gateways.forEach((g, i) => {
    const def = site.sites[i]!;
    if (named && !named.has(def.name)) return;
    lines.push(`${def.name} (${def.ssh})  ${def.interface}`);
    if (g.error) {
      lines.push(`  ${statusMark("red", style)} unreachable: ${g.error}`, "");
      return;
    }
    const width = Math.max(...g.checks.map((c) => c.title.length));
    let pair: string | undefined;
    for (const c of g.checks) {
      if (c.pair !== pair) {
        pair = c.pair;
        lines.push(`  to ${pair}${linkOf(site, i, site.sites.findIndex((s) => s.name === pair)) !== undefined ? ` (via ${site.sites[hubIndex(site)!]!.name})` : ""}:`);
      }
      lines.push(`  ${pair ? "  " : ""}${statusMark(c.status, style)} ${c.title.padEnd(width)}  ${c.detail}`);
      if (c.hint) lines.push(`  ${pair ? "  " : ""}    fix: ${c.hint}`);
    }
    lines.push("");
  });
  return lines.join("\n");
}

