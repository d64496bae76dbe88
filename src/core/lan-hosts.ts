import { cidrContains, parseAddress, type Cidr } from "./address.ts";
import type { HostFacts } from "./host-facts.ts";

/** How many LAN hosts of the other site get pinged (at once, so silence costs one timeout). */
export const LAN_HOSTS = 2;

/**
 * Hosts a gateway heard from lately inside its LANs (`ip neigh`), not its own addresses, reachable
 * ones first: pinged from the other site, an answer proves the path a LAN host's traffic takes.
 */
export function lanHostsHeard(neighbors: HostFacts["neighbors"], own: HostFacts["connected"], lans: readonly Cidr[], max = LAN_HOSTS): string[] {
  const mine = new Set(own.map((c) => c.address));
  const inLan = (text: string) => {
    const address = parseAddress(text);
    return address !== undefined && lans.some((lan) => cidrContains(lan, address));
  };
  const key = (address: string) => address.split(".").reduce((n, part) => n * 256 + Number(part), 0);
  return (neighbors ?? [])
    .filter((n) => !mine.has(n.address) && inLan(n.address))
    .sort((a, b) => Number(b.reachable) - Number(a.reachable) || key(a.address) - key(b.address))
    .map((n) => n.address)
    .filter((address, i, all) => all.indexOf(address) === i)
    .slice(0, max);
}
