import type { FirewallBackend, HostFacts, NatRule } from "../core/host-facts.ts";
import { option, parseIptablesSave } from "../core/rules/iptables-save.ts";
import { quote } from "../core/shell.ts";
import { defineFact } from "./fact.ts";

/** Sections of the capture, so one round trip carries every firewall view. */
const SECTIONS = ["version", "iptables", "nft", "ufw", "firewalld"] as const;

/** The nft command is there: wgsite may write nftables rules. */
const NFT_CLI = "# nft present";

/**
 * firewalld needs only the Python binding of libnftables (Debian installs it without the nft
 * command): the ruleset is still read, so the evaluators see firewalld's zones, but wgsite does not
 * take nftables for a backend it could write rules with.
 */
const NFT_VIA_PYTHON = [
  "import nftables, sys",
  "rc, out, err = nftables.Nftables().cmd('list ruleset')",
  "print('# nft read through python3-nftables'); sys.stdout.write(out)",
].join("\n");

export const firewall = defineFact({
  id: "firewall",
  command: () =>
    [
      "echo @@version; command -v iptables >/dev/null 2>&1 && iptables -V 2>/dev/null",
      "echo @@iptables; command -v iptables-save >/dev/null 2>&1 && iptables-save 2>/dev/null",
      `echo @@nft; if command -v nft >/dev/null 2>&1; then echo '${NFT_CLI}'; nft list ruleset 2>/dev/null; elif command -v python3 >/dev/null 2>&1; then python3 -c ${quote(NFT_VIA_PYTHON)} 2>/dev/null; fi`,
      "echo @@ufw; command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | head -n 1",
      // firewall-cmd --state costs ~0.15 s of Python on each status tick; systemd answers the same in a few ms.
      "echo @@firewalld; command -v firewall-cmd >/dev/null 2>&1 && { if command -v systemctl >/dev/null 2>&1; then systemctl is-active --quiet firewalld && echo running; else firewall-cmd --state 2>/dev/null; fi; }",
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
          : nft.includes(NFT_CLI) ? "nftables" : "none";
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
