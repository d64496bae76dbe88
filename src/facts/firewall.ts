import type { FirewallBackend, HostFacts, NatRule } from "../core/host-facts.ts";
import { option, parseIptablesSave } from "../core/rules/iptables-save.ts";
import { defineFact } from "./fact.ts";

/** Sections of the capture, so one round trip carries every firewall view. */
const SECTIONS = ["version", "iptables", "nft", "ufw", "firewalld"] as const;

export const firewall = defineFact({
  id: "firewall",
  command: () =>
    [
      "echo @@version; command -v iptables >/dev/null 2>&1 && iptables -V 2>/dev/null",
      "echo @@iptables; command -v iptables-save >/dev/null 2>&1 && iptables-save 2>/dev/null",
      "echo @@nft; command -v nft >/dev/null 2>&1 && { echo '# nft present'; nft list ruleset 2>/dev/null; }",
      "echo @@ufw; command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | head -n 1",
      "echo @@firewalld; command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state 2>/dev/null",
    ].join("; "),
  parse: (out): HostFacts["firewall"] & { readonly raw: { iptables: string; nft: string } } => {
    const sections: Record<string, string> = {};
    let current = "";
    for (const line of out.split("\n")) {
      const m = /^@@(\w+)$/.exec(line.trim());
      if (m && (SECTIONS as readonly string[]).includes(m[1]!)) current = m[1]!;
      else if (current) sections[current] = `${sections[current] ?? ""}${line}\n`;
    }
    const version = sections.version ?? "";
    const nft = sections.nft ?? "";
    const backend: FirewallBackend = version.includes("nf_tables")
      ? "iptables-nft"
      : version.includes("legacy")
        ? "iptables-legacy"
        : version.trim()
          ? "iptables-nft"
          : nft.includes("# nft present") ? "nftables" : "none";
    const dump = parseIptablesSave(sections.iptables ?? "");
    const filter = dump.tables.filter;
    const natRules: NatRule[] = (dump.tables.nat?.rules ?? [])
      .filter((r) => r.chain === "POSTROUTING")
      .map((r) => {
        const target = option(r.args, "-j")?.value ?? "";
        const s = option(r.args, "-s", "--source");
        const d = option(r.args, "-d", "--destination");
        const o = option(r.args, "-o", "--out-interface");
        return {
          table: "nat" as const,
          chain: r.chain,
          rule: r.line,
          target,
          ...(s ? { source: `${s.negated ? "!" : ""}${s.value}` } : {}),
          ...(d ? { destination: `${d.negated ? "!" : ""}${d.value}` } : {}),
          ...(o && !o.negated ? { outInterface: o.value } : {}),
        };
      })
      .filter((r) => r.target === "MASQUERADE" || r.target === "SNAT");
    const nftForwardDrop = /hook forward[^;]*;\s*policy drop/.test(nft);
    const policy = filter?.policies.FORWARD;
    return {
      backend,
      ufwActive: /Status: active/.test(sections.ufw ?? ""),
      firewalldActive: (sections.firewalld ?? "").trim() === "running",
      dockerUser: filter?.policies["DOCKER-USER"] !== undefined,
      // No filter table loaded means the kernel's default: ACCEPT.
      forwardPolicy: policy === "DROP" || nftForwardDrop ? "DROP" : policy === "ACCEPT" || !filter || backend === "nftables" ? "ACCEPT" : "unknown",
      natRules,
      raw: { iptables: sections.iptables ?? "", nft },
    };
  },
});
