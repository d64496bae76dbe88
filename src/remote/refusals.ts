import { lockoutProblems } from "../core/lockout.ts";
import { precheck } from "../core/prechecks.ts";
import type { Problem, Site } from "../core/site.ts";
import type { GatewaySession } from "./gateways.ts";

/**
 * Everything found on the gateways that must stop a run before any change: clashes with what is
 * there (ports, names, other WireGuard interfaces) and anything that could lock the operator out.
 * The wizard and `apply` refuse on exactly the same list.
 */
export function refusals(site: Site, sessions: readonly [GatewaySession, GatewaySession], options: { readonly adopt?: boolean } = {}): Problem[] {
  return [
    ...precheck(site, [sessions[0].facts, sessions[1].facts], options),
    ...sessions.flatMap((s) => lockoutProblems(site, s.index, s.facts, { sshClient: s.facts.sshClient, jumpHosts: s.jumpHosts })),
  ];
}
