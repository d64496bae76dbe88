import type { Cidr } from "../address.ts";
import type { NatRule } from "../host-facts.ts";
import { natCatchesInterSite } from "../nat.ts";
import type { IptablesDump } from "./iptables-save.ts";
import type { NftRuleset } from "./nft-ruleset.ts";
import { tablesAt, walkChain, type Rule } from "./rule-model.ts";

function asNatRule(rule: Rule, target: NatRule["target"]): NatRule {
  const one = (field: "src" | "dst" | "out") => {
    const m = rule.matches.find((x) => x.field === field);
    return m && m.values.length === 1 ? `${m.negated ? "!" : ""}${m.values[0]}` : undefined;
  };
  const src = one("src");
  const dst = one("dst");
  const out = one("out");
  return {
    table: "nat",
    chain: "POSTROUTING",
    rule: rule.text,
    target,
    ...(src ? { source: src } : {}),
    ...(dst ? { destination: dst } : {}),
    ...(out && !out.startsWith("!") ? { outInterface: out.replace(/\*$/, "+") } : {}),
  };
}

export type InterSiteNat = { readonly rule: NatRule; readonly backend: "iptables" | "nftables"; readonly table: string; readonly chain: string };

/**
 * The first source-NAT rule that rewrites traffic from a local LAN to a remote LAN through the
 * tunnel, in rule order: an ACCEPT or RETURN that surely matches that traffic first exempts it.
 */
export function interSiteNat(iptables: IptablesDump, nft: NftRuleset, localLans: readonly Cidr[], remoteLans: readonly Cidr[], wgInterface: string): InterSiteNat | undefined {
  for (const table of tablesAt("postrouting", iptables, nft)) {
    for (const local of localLans) {
      for (const remote of remoteLans) {
        for (const entry of table.entry) {
          let caught: NatRule | undefined;
          walkChain(table, entry, { out: wgInterface, src: local, dst: remote }, (rule, match) => {
            if (rule.verdict.kind !== "nat" || match === "no") return undefined;
            const nat = asNatRule(rule, rule.verdict.target);
            if (!natCatchesInterSite(nat, [local], [remote], wgInterface)) return undefined;
            caught = nat;
            return { verdict: "nat", rule, chain: entry };
          });
          if (caught) return { rule: caught, backend: table.backend, table: table.name, chain: entry };
        }
      }
    }
  }
  return undefined;
}
