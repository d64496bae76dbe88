import { ExitCode, ExitError } from "./exit-codes.ts";
import type { HostFacts } from "./host-facts.ts";
import type { GatewayPlan, Plan } from "./plan-types.ts";
import { shown } from "./show-value.ts";
import type { Site } from "./site.ts";
import { peersOf } from "./topology.ts";

/** `--site NAME[,NAME]`: the names, each one of the file's sites, in site order; exit 2 otherwise. */
export function namedSites(site: Site, names: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (!names) return undefined;
  const known = site.sites.map((s) => s.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new ExitError(ExitCode.InvalidInput, `--site: ${unknown.map((n) => shown(n)).join(", ")} ${unknown.length === 1 ? "is not a site" : "are not sites"} of the site file; name some of ${known.join(", ")}`);
  }
  return new Set(names);
}

const LEFT = "not named by --site: left as it is";

/** A gateway's plan that changes nothing (its verification probe still runs, read-only). */
function leftAlone(gp: GatewayPlan): GatewayPlan {
  return {
    ...gp,
    steps: gp.steps.map((s) => (s.noop ? s : { ...s, ops: [], undo: [], noop: LEFT })),
    bindings: [],
    needsPsk: false,
    traffic: { effect: "none", text: LEFT },
  };
}

/**
 * The plan limited to the named gateways: the others are left as they are, but their peers of the
 * named ones must already hold a key (a gateway never set up cannot be a peer), and every pair with
 * a named gateway is still verified from both ends.
 */
export function limitPlan(plan: Plan, named: ReadonlySet<string> | undefined, facts: readonly (HostFacts | undefined)[]): Plan {
  if (!named) return plan;
  const site = plan.site;
  const missing = site.sites.flatMap((def, i) =>
    named.has(def.name) ? peersOf(site, i).filter((p) => !named.has(p.site.name) && !facts[p.index]?.publicKey).map((p) => p.site.name) : [],
  );
  if (missing.length > 0) {
    const names = [...new Set(missing)];
    throw new ExitError(ExitCode.InvalidInput, `--site: ${names.join(", ")} ${names.length === 1 ? "has" : "have"} no WireGuard key yet, so the named gateways cannot have ${names.length === 1 ? "it" : "them"} as a peer; add ${names.join(",")} to --site (or leave --site out)`);
  }
  // A gateway left alone proves only its paths to the named ones.
  const limited = (gp: GatewayPlan): GatewayPlan => ({ ...leftAlone(gp), ...(gp.pairs ? { pairs: gp.pairs.filter((p) => named.has(p.site)) } : {}) });
  return { ...plan, gateways: plan.gateways.map((gp) => (named.has(gp.site) ? gp : limited(gp))) };
}
