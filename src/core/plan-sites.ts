import { restrictSources } from "./firewall.ts";
import type { PlanInput } from "./plan.ts";
import { verifyTargets } from "./plan.ts";
import type { PairTarget, Warning } from "./plan-types.ts";
import type { Site } from "./site.ts";
import { hubIndex, peersOf } from "./topology.ts";

/**
 * The parts of a gateway's plan only more than two sites (or `endpoint: none`) have: the path to
 * every other site to verify, and what the topology leaves open.
 */
export function pairTargets(input: PlanInput, index: number): PairTarget[] {
  const { site } = input;
  const hub = hubIndex(site);
  return site.sites.flatMap((other, j) => {
    if (j === index) return [];
    const via = hub !== undefined && index !== hub && j !== hub ? site.sites[hub]!.name : undefined;
    return [{ site: other.name, ...verifyTargets(input, index, j), ...(via ? { via } : {}) }];
  });
}

export function topologyWarnings(site: Site, index: number): Warning[] {
  const self = site.sites[index]!;
  const out: Warning[] = [];
  const hidden = peersOf(site, index).filter((p) => p.site.endpoint.host === undefined).map((p) => p.site.name);
  if (site.firewall.restrictPort && !restrictSources(site, index)) {
    out.push({
      message: `restrictPort cannot name ${hidden.join(", ")}'s address (endpoint: none), so UDP ${self.endpoint.port} stays open to any sender on ${self.name}`,
      fix: "WireGuard answers only its peers' keys; give those sites a fixed endpoint to restrict the port to them",
    });
  }
  return out;
}
