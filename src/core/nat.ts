import { cidrsOverlap, parseCidr, type Cidr } from "./address.ts";
import { iptablesHookPairs, nftInsertHooks, type FirewallHooks } from "./firewall.ts";
import type { NatRule } from "./host-facts.ts";

function asCidr(text: string): Cidr | undefined {
  const withPrefix = text.includes("/") ? text : `${text}/32`;
  const parsed = parseCidr(withPrefix);
  return parsed.ok ? parsed.cidr : undefined;
}

/**
 * Whether a source-NAT rule would rewrite traffic from a local LAN to a remote LAN leaving by the wg
 * interface: the reference forbids NAT between the sites.
 */
export function natCatchesInterSite(rule: NatRule, localLans: readonly Cidr[], remoteLans: readonly Cidr[], wgInterface: string): boolean {
  if (rule.target !== "MASQUERADE" && rule.target !== "SNAT") return false;
  if (rule.outInterface && rule.outInterface !== wgInterface && !(rule.outInterface.endsWith("+") && wgInterface.startsWith(rule.outInterface.slice(0, -1)))) return false;
  const matches = (spec: string | undefined, nets: readonly Cidr[]) => {
    if (!spec) return true;
    const negated = spec.startsWith("!");
    const cidr = asCidr(negated ? spec.slice(1) : spec);
    if (!cidr) return true;
    const overlaps = nets.some((n) => cidrsOverlap(n, cidr));
    return negated ? !nets.every((n) => cidrsOverlap(cidr, n) && cidr.prefix <= n.prefix) : overlaps;
  };
  return matches(rule.source, localLans) && matches(rule.destination, remoteLans);
}

/** The chain a source-NAT rule was found in: the place the exemption goes, at the top. */
export type NatPlace = { readonly backend: "iptables" | "nftables"; readonly table: string; readonly chain: string };

/**
 * Exemptions of LAN -> remote LAN traffic from source NAT, at the top of the chain that holds the
 * NAT rule. In nftables an accept in a chain of its own would not do: every nat chain at the hook
 * runs until one binds an address, so the exemption must sit in the same chain, ahead of the rule.
 */
export function natExemptHooks(place: NatPlace, locals: readonly Cidr[], remotes: readonly Cidr[]): FirewallHooks {
  // IPv4 pairs only: the NAT rule this exempts from is IPv4's.
  const v4 = (c: Cidr) => c.family === "ipv4";
  const pairs = locals.filter(v4).flatMap((l) => remotes.filter(v4).map((r) => ({ l, r })));
  if (place.backend === "nftables") {
    return nftInsertHooks(place.table, place.chain, pairs.map(({ l, r }) => `ip saddr ${l.text} ip daddr ${r.text} counter return`));
  }
  return iptablesHookPairs(pairs.map(({ l, r }) => ({ table: "nat" as const, chain: place.chain, spec: `-s ${l.text} -d ${r.text} -j RETURN` })));
}
