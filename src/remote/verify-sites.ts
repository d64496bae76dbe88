import type { GatewayPlan, PairTarget, Plan } from "../core/plan-types.ts";
import { quote } from "../core/shell.ts";
import type { Site } from "../core/site.ts";
import { hostNet, hubIndex, peersOf, transferAddress } from "../core/topology.ts";
import type { CheckId } from "../status/checks.ts";
import { verdicts, verifyProbeFacts, verifySample, type Verdict } from "../status/verify.ts";
import { pairOutputs, pairsScript } from "../status/pair-output.ts";
import { STEP_MARK } from "./batch.ts";
import { remoteMark } from "./trace.ts";

/**
 * Verification with more than two sites: each gateway proves the path to every other site (a spoke
 * to a spoke through the hub), one status probe per site in the same round trip, each framed by a
 * marker (status/pair-output.ts) so its facts are judged on their own.
 */

/** What one pair adds beyond the gateway's own checks (unit, interface, forwarding...), judged once. */
const PAIR_CHECKS: readonly CheckId[] = ["peer-key", "endpoint", "handshake", "route", "nat", "forward", "tunnel-ping", "lan-ping", "lan-host"];
/** Through the hub the peer entry is the hub's, judged on the pair with the hub itself. */
const VIA_CHECKS: readonly CheckId[] = ["route", "nat", "forward", "tunnel-ping", "lan-ping", "lan-host"];

/**
 * Crossed initiations cost 5 s (batch.ts, verifyScript): toward the peers before it in site order a
 * gateway is the responder. It pings the peers after it at once (it starts their handshakes), then
 * gives each peer before it up to 0.16 s to start theirs, as with two sites, and only then pings
 * them. All the pings wait in parallel. Waiting for the earlier peers before pinging any (as before)
 * chained the waits down the site order: each gateway's handshakes toward the later ones started
 * only when its own wait ended, so the sixth of six waited 0.4-0.9 s on the lab.
 */
export function verifySitesScript(gp: GatewayPlan, timeoutSec: number, site?: Site): string {
  const pairs = gp.pairs ?? [];
  const hub = site ? hubIndex(site) : undefined;
  // The WireGuard peer a pair's packets go to: the hub's for a spoke-to-spoke pair.
  const linkOf = (p: PairTarget) => (site ? (p.via !== undefined && hub !== undefined ? hub : site.sites.findIndex((s) => s.name === p.site)) : Infinity);
  // Only a peer that can reach this gateway (it has an endpoint) and that this gateway can reach can cross it.
  const reachable = (i: number) => site?.sites[i]?.endpoint.host !== undefined;
  const earlierPeers = site && reachable(gp.index) ? peersOf(site, gp.index).filter((p) => p.index < gp.index && reachable(p.index)).map((p) => hostNet(transferAddress(site, p.index))) : [];
  const ping = (p: PairTarget) => `while [ $(date +%s) -lt $end ]; do ping -c1 -W1 ${quote(p.peerTunnelAddress)} >/dev/null 2>&1 && break; sleep 0.05; done`;
  const pingAll = (ps: readonly PairTarget[]) => ps.map((p) => `( ${ping(p)}; ${remoteMark(`answered-${p.site}`) || ":"} ) &`);
  // A peer has started its handshake when its dump line (AllowedIPs holding its transfer address) has one.
  const shaken = `wg show ${quote(gp.interface)} dump 2>/dev/null | awk -v want=${quote(earlierPeers.join(" "))} 'BEGIN { n = split(want, w, " ") } NR > 1 && $5 > 0 { for (i = 1; i <= n; i++) if (index("," $4 ",", "," w[i] ",")) got[i] = 1 } END { for (i = 1; i <= n; i++) if (!got[i]) exit 1 }'`;
  return [
    `echo "${STEP_MARK} start verify"`,
    `end=$(( $(date +%s) + ${Math.ceil(timeoutSec)} ))`,
    // Pinging every transfer address starts every handshake, the sites beyond the hub included.
    ...pingAll(pairs.filter((p) => linkOf(p) > gp.index)),
    ...(earlierPeers.length > 0 ? [`i=0; while [ $i -lt 8 ] && ! ${shaken}; do sleep 0.02; i=$((i + 1)); done`] : []),
    remoteMark("waited-for-earlier"),
    ...pingAll(pairs.filter((p) => linkOf(p) <= gp.index)),
    "wait",
    pairsScript({ iface: gp.interface, port: gp.verify.port }, pairs.map((p) => ({ site: p.site, facts: verifyProbeFacts(p) })), remoteMark),
    remoteMark("probed"),
    `echo "${STEP_MARK} end verify 0"`,
  ].filter((line) => line !== "").join("\n");
}

export type SiteVerdict = Verdict & { readonly pair: string };

/**
 * Judges every gateway's probes with the status checks: the peer sample (for the key the peer entry
 * must hold) is the linked gateway's, the hub's for a spoke-to-spoke pair. `missing` lists the
 * probes that did not run.
 */
export function judgeSites(plan: Plan, outputs: readonly string[]): { verdicts: SiteVerdict[][]; missing: string[] } {
  const site = plan.site;
  const hub = hubIndex(site);
  const missing: string[] = [];
  const samples = plan.gateways.map((gp, i) => {
    const chunks = pairOutputs(outputs[i] ?? "");
    return new Map((gp.pairs ?? []).map((p: PairTarget) => [p.site, verifySample(chunks.get(p.site) ?? "", p)] as const));
  });
  const own = (k: number) => [...samples[k]!.values()].find((s) => s !== undefined);
  const result = plan.gateways.map((gp, i) =>
    (gp.pairs ?? []).flatMap((p, n): SiteVerdict[] => {
      const sample = samples[i]!.get(p.site);
      if (!sample) {
        missing.push(`${gp.site}: the verification probe toward ${p.site} did not run`);
        return [];
      }
      const j = site.sites.findIndex((s) => s.name === p.site);
      const via = p.via !== undefined && hub !== undefined ? hub : undefined;
      const keep = n === 0 ? undefined : via !== undefined ? VIA_CHECKS : PAIR_CHECKS;
      return verdicts(site, i, sample, own(via ?? j), { peer: j, ...(via !== undefined ? { via } : {}) })
        .filter((v) => !keep || keep.includes(v.id))
        .map((v) => ({ ...v, pair: p.site, detail: `${PAIR_CHECKS.includes(v.id) ? `to ${p.site}${p.via ? ` via ${p.via}` : ""}: ` : ""}${v.detail}` }));
    }),
  );
  return { verdicts: result, missing };
}
