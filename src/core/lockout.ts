import { cidrContains, cidrsOverlap, networkOfPrefix, parseAddress, type Cidr } from "./address.ts";
import type { HostFacts } from "./host-facts.ts";
import type { Problem, Site } from "./site.ts";
import { peersOf } from "./topology.ts";

/** Addresses by which the operator reaches one gateway: the SSH client it sees, and literal jump hosts. */
export type OperatorPath = { readonly sshClient?: string; readonly jumpHosts: readonly string[] };

/** The gateway's own addresses of both families (IPv6: global scope only). */
const links = (facts: HostFacts) => [...facts.connected, ...(facts.connected6 ?? [])];

/** The longest existing route (other than the tunnel's own) that covers an address. */
function currentPrefix(facts: HostFacts, address: NonNullable<ReturnType<typeof parseAddress>>, iface: string): number {
  const covering = [...facts.routes.map((r) => ({ dev: r.dev, net: networkOfPrefix(r.dst) })), ...links(facts).map((c) => ({ dev: c.dev, net: networkOfPrefix(c.cidr) }))]
    .filter((r) => r.dev !== iface && r.net && cidrContains(r.net, address))
    .map((r) => r.net!.prefix);
  return Math.max(-1, ...covering);
}

/**
 * Before any change: would the tunnel's new routes (the remote LANs and the transfer net) capture
 * the way the operator reaches a gateway, or clash with what the gateway is connected to?
 * A capture is refused unless an existing, more specific route keeps the path where it is.
 */
export function lockoutProblems(site: Site, index: number, facts: HostFacts, path: OperatorPath): Problem[] {
  const self = site.sites[index]!;
  const peers = peersOf(site, index);
  // Every other site's LANs (a spoke's hub peer carries them all) and the transfer net, which holds every transfer address.
  const captured: { cidr: Cidr; what: string }[] = [
    ...site.sites.flatMap((other, o) => (o === index ? [] : other.lan.map((cidr, i) => ({ cidr, what: `sites.${other.name}.lan[${i}]` })))),
    { cidr: site.tunnel.network, what: "tunnel.network" },
    ...(site.tunnel.network6 ? [{ cidr: site.tunnel.network6, what: "tunnel.network6" }] : []),
  ];
  const problems: Problem[] = [];
  const addresses = [...(path.sshClient ? [{ address: path.sshClient, role: "the SSH session's client address" }] : []), ...path.jumpHosts.map((h) => ({ address: h, role: `the jump host ${h}` }))];
  for (const { address, role } of addresses) {
    const parsed = parseAddress(address);
    if (!parsed) continue;
    const hit = captured.find((c) => cidrContains(c.cidr, parsed));
    if (hit && currentPrefix(facts, parsed, self.interface) < hit.cidr.prefix) {
      problems.push({
        path: `sites.${self.name}.ssh`,
        message: `${self.name} is reached from ${address} (${role}), inside ${hit.what} ${hit.cidr.text}: once ${self.interface} is up, ${self.name} routes ${hit.cidr.text} into the tunnel and this session's replies would follow; reach ${self.name} from an address outside ${captured.map((c) => c.cidr.text).join(" and ")}, or add a more specific route back to ${address} on the gateway`,
      });
    }
  }
  for (const net of links(facts)) {
    if (net.dev === self.interface || net.dev === "lo") continue;
    const cidr = networkOfPrefix(net.cidr);
    if (!cidr) continue;
    const hit = captured.find((c) => cidrsOverlap(c.cidr, cidr));
    if (hit) {
      problems.push({
        path: hit.what,
        message: `${hit.cidr.text} overlaps ${self.name}'s connected network ${cidr.text} on ${net.dev}: the tunnel's route would take over traffic to that link; the sites' networks and the transfer net must be distinct from the gateways' own links`,
      });
    }
  }
  for (const route of facts.routes) {
    if (route.dev === self.interface || route.dst === "default") continue;
    const cidr = networkOfPrefix(route.dst);
    const hit = cidr ? captured.find((c) => c.cidr.text === cidr.text) : undefined;
    // A connected network is reported above; this is a static route wg-quick would collide with.
    if (hit && !links(facts).some((n) => n.dev === route.dev && networkOfPrefix(n.cidr)?.text === cidr!.text)) {
      problems.push({
        path: hit.what,
        message: `${self.name} already routes ${route.dst} via ${route.dev}: wg-quick could not add the tunnel's route for it; remove that route or leave ${hit.cidr.text} out of the tunnel`,
      });
    }
  }
  for (const { site: peer } of peers) {
    const endpoint = peer.endpoint.host === undefined ? undefined : parseAddress(peer.endpoint.host);
    const endpointHit = endpoint ? captured.find((c) => cidrContains(c.cidr, endpoint)) : undefined;
    if (endpointHit) {
      problems.push({ path: `sites.${peer.name}.endpoint`, message: `${peer.endpoint.host} lies in ${endpointHit.what} ${endpointHit.cidr.text}: the tunnel's own packets would be routed into it; use ${peer.name}'s public address` });
    }
  }
  return problems;
}
