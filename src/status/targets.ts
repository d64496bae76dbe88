import { cidrContains, firstHost, isAddressLiteral, parseAddress, type Cidr } from "../core/address.ts";
import { transferAddress, transferAddress6 } from "../core/topology.ts";
import type { HostFacts } from "../core/host-facts.ts";
import type { Site } from "../core/site.ts";
import type { ProbeTargets } from "./sample.ts";

type Addresses = HostFacts["connected"];

/** The gateway's own address inside `lan`, with the interface that carries it. */
export function addressIn(addresses: Addresses, lan: Cidr): { readonly address: string; readonly dev: string } | undefined {
  for (const a of addresses) {
    const parsed = parseAddress(a.address);
    if (parsed && cidrContains(lan, parsed)) return { address: a.address, dev: a.dev };
  }
  return undefined;
}

/** The first of a site's LANs the gateway has an address in. */
export function lanPresence(addresses: Addresses, lans: readonly Cidr[]): { readonly address: string; readonly dev: string } | undefined {
  for (const lan of lans) {
    const found = addressIn(addresses, lan);
    if (found) return found;
  }
  return undefined;
}

/** What gateway `index` probes; the peer's LAN addresses make the remote probes hit a host that exists. */
export function probeTargets(site: Site, index: number, own: Addresses, peer: Addresses, peerIndex: number = index === 0 ? 1 : 0, own6: Addresses = [], peer6: Addresses = []): ProbeTargets {
  const self = site.sites[index]!;
  const other = site.sites[peerIndex]!;
  const local = lanPresence(own, self.lan);
  const [selfLan6, otherLan6] = [self.lan.find((l) => l.family === "ipv6"), other.lan.find((l) => l.family === "ipv6")];
  const local6 = selfLan6 ? addressIn(own6, selfLan6) : undefined;
  return {
    iface: self.interface,
    port: self.endpoint.port,
    peerTunnelAddress: transferAddress(site, peerIndex),
    ...(site.tunnel.network6 ? { peerTunnelAddress6: transferAddress6(site, peerIndex)! } : {}),
    remoteLanAddresses: other.lan.map((lan) => addressIn(peer, lan)?.address ?? firstHost(lan)),
    ...(local ? { localLanAddress: local.address } : {}),
    ...(other.endpoint.host === undefined || isAddressLiteral(other.endpoint.host) ? {} : { endpointName: other.endpoint.host }),
    ...(selfLan6 && otherLan6 ? { ipv6: { remote: addressIn(peer6, otherLan6)?.address ?? firstHost(otherLan6), ...(local6 ? { local: local6.address } : {}) } } : {}),
  };
}
