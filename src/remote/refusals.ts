import { lockoutProblems } from "../core/lockout.ts";
import { retiredInterface, withoutRetired } from "../core/plan.ts";
import { precheck } from "../core/prechecks.ts";
import type { Problem, Site } from "../core/site.ts";
import type { GatewaySession } from "./gateways.ts";

/**
 * Everything found on the gateways that must stop a run before any change: clashes with what is
 * there (ports, names, other WireGuard interfaces) and anything that could lock the operator out.
 * An interface of wgsite's own that the site file renames is not a clash: the plan retires it.
 * The wizard and `apply` refuse on exactly the same list.
 */
export function refusals(site: Site, sessions: readonly [GatewaySession, GatewaySession], options: { readonly adopt?: boolean } = {}): Problem[] {
  const facts = sessions.map((s) => withoutRetired(s.facts, retiredInterface(s.def, s.facts))) as [GatewaySession["facts"], GatewaySession["facts"]];
  return [
    ...precheck(site, facts, options),
    ...sessions.flatMap((s, i) => lockoutProblems(site, s.index, facts[i]!, { sshClient: s.facts.sshClient, jumpHosts: s.jumpHosts })),
  ];
}
