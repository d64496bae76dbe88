import { cidrContains, firstHost, parseAddress } from "./address.ts";
import type { HostFacts } from "./host-facts.ts";
import type { Site } from "./site.ts";

/** The gateway's own address inside one of its site's LANs: IPv4 (facts.connected) or global IPv6 (facts.connected6). */
export function lanAddress(facts: HostFacts | undefined, site: Site, index: number, family: "ipv4" | "ipv6" = "ipv4"): string | undefined {
  for (const net of (family === "ipv4" ? facts?.connected : facts?.connected6) ?? []) {
    const address = parseAddress(net.address);
    if (address && site.sites[index]!.lan.some((lan) => lan.family === family && cidrContains(lan, address))) return net.address;
  }
  return undefined;
}

/**
 * Where verification pings over IPv6, when both sites have an IPv6 LAN: from this gateway's address
 * in its own IPv6 LAN to the other gateway's (or the first host of the other's IPv6 LAN).
 */
export function ipv6VerifyTargets(site: Site, index: number, peerIndex: number, facts: readonly (HostFacts | undefined)[] | undefined): { readonly localLanAddress6?: string; readonly remoteProbe6?: string } {
  const peerLan6 = site.sites[peerIndex]!.lan.find((l) => l.family === "ipv6");
  const local = lanAddress(facts?.[index], site, index, "ipv6");
  if (!peerLan6 || !local) return {};
  return { localLanAddress6: local, remoteProbe6: lanAddress(facts?.[peerIndex], site, peerIndex, "ipv6") ?? firstHost(peerLan6) };
}
