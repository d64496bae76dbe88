import type { Fact, FactContext } from "../facts/fact.ts";
import { factsScript } from "../facts/gather.ts";

/**
 * More than two sites: one script probes the path to every other site, each site's probes framed
 * by a marker line naming it, so one round trip per gateway carries them all. What is about the
 * gateway itself (its wg dump, unit, forwarding, addresses, firewall) is the same toward every
 * site: it runs once, after every site's pings (so the dump shows the handshakes they started),
 * and each site's sample is read with it.
 */
export const PAIR_MARK = "@@wgsite-pair";
/** The frame of the gateway's own facts. */
const GATEWAY = "@gateway";

const GATEWAY_FACTS: ReadonlySet<string> = new Set(["init", "wg", "link", "unit", "ip-forward", "rp-filter", "addresses", "firewall", "neighbors"]);

const marker = (name: string) => `echo "${PAIR_MARK} ${name}"`;

/** The probes toward each site (`facts` as for a single peer), the gateway's own facts once. */
export function pairsScript(ctx: FactContext, pairs: readonly { readonly site: string; readonly facts: readonly Fact<unknown>[] }[], mark: (what: string) => string = () => ""): string {
  const own = pairs[0]?.facts.filter((f) => GATEWAY_FACTS.has(f.id)) ?? [];
  return [
    ...pairs.flatMap((p) => [marker(p.site), factsScript(ctx, p.facts.filter((f) => !GATEWAY_FACTS.has(f.id))), ...[mark(`probed-${p.site}`)].filter((m) => m !== "")]),
    marker(GATEWAY),
    factsScript(ctx, own),
    marker("end"),
  ].join("\n");
}

/** The output toward each site, by the site's name, each with the gateway's own facts appended. */
export function pairOutputs(output: string): Map<string, string> {
  const raw = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  for (const line of output.split("\n")) {
    if (line.startsWith(`${PAIR_MARK} `)) {
      if (current !== undefined) raw.set(current, lines.join("\n"));
      current = line.slice(PAIR_MARK.length + 1);
      lines = [];
    } else if (current !== undefined) lines.push(line);
  }
  if (current !== undefined && current !== "end") raw.set(current, lines.join("\n"));
  const own = raw.get(GATEWAY) ?? "";
  raw.delete(GATEWAY);
  return new Map([...raw].map(([site, text]) => [site, `${text}\n${own}`]));
}
