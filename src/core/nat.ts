import { cidrsOverlap, parseCidr, type Cidr } from "./address.ts";
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
