import { parseAddress } from "./address.ts";
import type { FirewallBackend } from "./host-facts.ts";
import type { Site } from "./site.ts";

/** Hook lines for the wg-quick config: each PostUp has a PreDown that removes exactly what it added. */
export type FirewallHooks = { readonly postUp: readonly string[]; readonly preDown: readonly string[]; readonly files: readonly { path: string; content: string }[] };

/** Every rule wgsite adds carries this comment, so it can be told from the operator's own. */
export const RULE_MARK = "wgsite:%i";

type IptRule = { readonly table?: "filter" | "nat"; readonly chain: string; readonly spec: string; readonly v6?: boolean };

/** `-C || -I` keeps a restart from stacking duplicates when a previous PreDown never ran. */
function iptablesPair(rule: IptRule): { up: string; down: string } {
  const cmd = rule.v6 ? "ip6tables" : "iptables";
  const table = rule.table && rule.table !== "filter" ? ` -t ${rule.table}` : "";
  const [match, target] = rule.spec.split(" -j ");
  const body = `${rule.chain} ${match} -m comment --comment ${RULE_MARK} -j ${target}`;
  return {
    up: `${cmd} -w${table} -C ${body} 2>/dev/null || ${cmd} -w${table} -I ${body}`,
    down: `${cmd} -w${table} -D ${body} 2>/dev/null || true`,
  };
}

/** Rules the site file asks for on gateway `index`, in the order they must end up (first = top of chain). */
function wantedRules(site: Site, index: 0 | 1): { input: { spec: string; v6: boolean }[]; forward: string[] } {
  const peer = site.sites[index === 0 ? 1 : 0];
  const port = site.sites[index].endpoint.port;
  const input: { spec: string; v6: boolean }[] = [];
  if (site.firewall.restrictPort) {
    const v6 = parseAddress(peer.endpoint.host)?.kind() === "ipv6";
    input.push({ spec: `-p udp --dport ${port} -s ${peer.endpoint.host} -j ACCEPT`, v6 });
    input.push({ spec: `-p udp --dport ${port} -j DROP`, v6 });
  }
  const forward = site.firewall.block.map((b) => `-i %i -p ${b.proto}${b.port === undefined ? "" : ` --dport ${b.port}`} -j REJECT`);
  return { input, forward };
}

function iptablesHooks(site: Site, index: 0 | 1): FirewallHooks {
  const { input, forward } = wantedRules(site, index);
  const rules: IptRule[] = [
    ...input.map((r) => ({ chain: "INPUT", spec: r.spec, v6: r.v6 })),
    ...forward.map((spec) => ({ chain: "FORWARD", spec })),
  ];
  // -I puts each rule on top, so insert in reverse to keep the wanted order.
  const pairs = [...rules].reverse().map(iptablesPair);
  return { postUp: pairs.map((p) => p.up), preDown: pairs.map((p) => p.down).reverse(), files: [] };
}

export function nftTableName(iface: string): string {
  return `wgsite_${iface.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

function nftHooks(site: Site, index: 0 | 1): FirewallHooks {
  const { input, forward } = wantedRules(site, index);
  if (input.length === 0 && forward.length === 0) return { postUp: [], preDown: [], files: [] };
  const iface = site.sites[index].interface;
  const table = nftTableName(iface);
  const peer = site.sites[index === 0 ? 1 : 0];
  const lines = [
    "# managed by wgsite: removed by PreDown (nft delete table)",
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
  ];
  if (input.length > 0) {
    const port = input[0]!.spec.match(/--dport (\d+)/)![1];
    const family = parseAddress(peer.endpoint.host)?.kind() === "ipv6" ? "ip6" : "ip";
    // A drop in any base chain drops the packet, so this chain alone enforces "only the peer".
    lines.push(
      "\tchain input {",
      "\t\ttype filter hook input priority filter - 1; policy accept;",
      `\t\tudp dport ${port} ${family} saddr != ${peer.endpoint.host} drop`,
      "\t}",
    );
  }
  if (forward.length > 0) {
    lines.push("\tchain forward {", "\t\ttype filter hook forward priority filter - 1; policy accept;");
    for (const b of site.firewall.block) {
      lines.push(`\t\tiifname "${iface}" ${b.proto === "icmp" ? "ip protocol icmp" : `${b.proto} dport ${b.port ?? "0-65535"}`} reject`);
    }
    lines.push("\t}");
  }
  lines.push("}", "");
  const path = `/etc/wireguard/${iface}.nft`;
  return { postUp: [`nft -f ${path}`], preDown: [`nft delete table inet ${table} 2>/dev/null || true`], files: [{ path, content: lines.join("\n") }] };
}

/** The backend that will be used: a gateway with no firewall tool gets iptables installed (the reference's model). */
export function effectiveBackend(backend: FirewallBackend): Exclude<FirewallBackend, "none"> {
  return backend === "none" ? "iptables-nft" : backend;
}

export function firewallHooks(site: Site, index: 0 | 1, backend: FirewallBackend): FirewallHooks {
  return effectiveBackend(backend) === "nftables" ? nftHooks(site, index) : iptablesHooks(site, index);
}

export function needsFirewallTool(site: Site): boolean {
  return site.firewall.restrictPort || site.firewall.block.length > 0;
}
