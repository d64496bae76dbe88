import { ipv4At, ipv6At, transferAddresses, type Cidr } from "./address.ts";
import type { Site, SiteDef } from "./site.ts";

/**
 * Who talks to whom. Two sites are the reference design (one peer each, the whole transfer net in
 * AllowedIPs); more sites share one transfer net with one address each, in a mesh (a peer for every
 * other site) or around a hub (a spoke has one peer, the hub, which carries every other site).
 */

/** Keepalive a gateway without a public address sends when the site file sets none: NAT mappings last ~30 s. */
export const NAT_KEEPALIVE = 25;

/** One [Peer] section of a gateway's config. */
export type PeerLink = {
  /** The site this peer is (for a spoke's hub peer: the hub). */
  readonly site: SiteDef;
  readonly index: number;
  /** What the peer carries: its LANs and transfer address (a hub, for a spoke, every other site's). */
  readonly allowed: readonly string[];
  /** Sent toward the peer, 0 for none. */
  readonly keepalive: number;
};

export function hubIndex(site: Site): number | undefined {
  const topology = site.topology;
  if (!topology || topology.kind !== "hub" || site.sites.length <= 2) return undefined;
  const i = site.sites.findIndex((s) => s.name === topology.hub);
  return i < 0 ? undefined : i;
}

/** Gateway `index`'s address on the transfer net: the reference's two, or network + 1 + index. */
export function transferAddress(site: Site, index: number): string {
  const net = site.tunnel.network;
  // An IPv6 transfer net given as tunnel.network (instead of an IPv4 one): numbered as tunnel.network6.
  if (net.family === "ipv6") return site.sites.length === 2 ? ipv6At(net, index === 0 ? 0 : 1) : ipv6At(net, index + 1);
  return site.sites.length === 2 ? transferAddresses(net)[index === 0 ? 0 : 1] : ipv4At(net, index + 1);
}

/** One address as a network of its own: /32 or /128. */
export const hostNet = (address: string) => `${address}/${address.includes(":") ? 128 : 32}`;

/** Gateway `index`'s address on the IPv6 transfer net (tunnel.network6): ::0 and ::1 of a /127 (RFC 6164), or network + 1 + index. */
export function transferAddress6(site: Site, index: number): string | undefined {
  const net = site.tunnel.network6;
  if (!net) return undefined;
  return site.sites.length === 2 ? ipv6At(net, index === 0 ? 0 : 1) : ipv6At(net, index + 1);
}

/** How many gateway addresses a transfer net holds for `count` sites (a /31 and /30 hold two). */
export function transferCapacity(cidr: Cidr): number {
  if (cidr.family !== "ipv4") return 0;
  if (cidr.prefix >= 31) return cidr.prefix === 31 ? 2 : 1;
  return 2 ** (32 - cidr.prefix) - 2;
}

/** The smallest prefix length whose transfer net holds `count` gateways (a /29 for up to six). */
export function transferPrefixFor(count: number): number {
  let prefix = 30;
  while (prefix > 0 && 2 ** (32 - prefix) - 2 < count) prefix--;
  return prefix;
}

/** Whether gateways `a` and `b` have each other as peers. */
export function linked(site: Site, a: number, b: number): boolean {
  if (a === b) return false;
  const hub = hubIndex(site);
  return hub === undefined || a === hub || b === hub;
}

function keepaliveToward(site: Site, self: SiteDef): number {
  if (site.tunnel.keepalive > 0) return site.tunnel.keepalive;
  return self.endpoint.host === undefined ? NAT_KEEPALIVE : 0;
}

function ownNets(site: Site, index: number): string[] {
  const def = site.sites[index]!;
  const v6 = site.tunnel.network6;
  if (site.sites.length === 2) return [...def.lan.map((c) => c.text), site.tunnel.network.text, ...(v6 ? [v6.text] : [])];
  return [...def.lan.map((c) => c.text), hostNet(transferAddress(site, index)), ...(v6 ? [hostNet(transferAddress6(site, index)!)] : [])];
}

/** The peers of gateway `index`, in site order. */
export function peersOf(site: Site, index: number): PeerLink[] {
  const self = site.sites[index]!;
  const keepalive = keepaliveToward(site, self);
  const hub = hubIndex(site);
  if (hub !== undefined && index !== hub) {
    const others = site.sites.map((_, i) => i).filter((i) => i !== index);
    const allowed = [
      ...others.flatMap((i) => site.sites[i]!.lan.map((c) => c.text)),
      ...others.map((i) => hostNet(transferAddress(site, i))),
      ...(site.tunnel.network6 ? others.map((i) => hostNet(transferAddress6(site, i)!)) : []),
    ];
    return [{ site: site.sites[hub]!, index: hub, allowed, keepalive }];
  }
  return site.sites.flatMap((peer, i) => (i === index ? [] : [{ site: peer, index: i, allowed: ownNets(site, i), keepalive }]));
}

/** Every LAN gateway `index` reaches through its tunnel (the other sites' LANs, in site order). */
export function remoteLans(site: Site, index: number): Cidr[] {
  return site.sites.flatMap((s, i) => (i === index ? [] : s.lan));
}

/** Every pair that should talk, in site order: all of them (a spoke pair through the hub). */
export function sitePairs(site: Site): [number, number][] {
  const pairs: [number, number][] = [];
  for (let a = 0; a < site.sites.length; a++) for (let b = a + 1; b < site.sites.length; b++) pairs.push([a, b]);
  return pairs;
}
