import { parseAddress, type Cidr } from "./address.ts";
import type { FirewallBackend } from "./host-facts.ts";
import type { Site } from "./site.ts";
import { hubIndex, peersOf } from "./topology.ts";

/**
 * Hook lines for the wg-quick config: each PostUp has a PreDown that removes exactly what it added.
 * wg-quick runs each line with `set -e`: in a PreDown every command that may fail needs `|| true`,
 * or the line stops half-way and wg-quick down leaves the interface up.
 */
export type FirewallHooks = { readonly postUp: readonly string[]; readonly preDown: readonly string[]; readonly files: readonly { path: string; content: string }[] };

/** Every rule wgsite adds carries this comment, so it can be told from the operator's own. */
export const RULE_MARK = "wgsite:%i";

export type IptRule = {
  readonly table?: "filter" | "nat";
  readonly chain: string;
  readonly spec: string;
  readonly v6?: boolean;
  /** Used when `chain` does not exist (yet): DOCKER-USER before Docker has started. */
  readonly fallbackChain?: string;
};

/** `-C || -I` keeps a restart from stacking duplicates when a previous PreDown never ran. */
export function iptablesPair(rule: IptRule): { up: string; down: string } {
  const cmd = rule.v6 ? "ip6tables" : "iptables";
  const table = rule.table && rule.table !== "filter" ? ` -t ${rule.table}` : "";
  const [match, target] = rule.spec.split(" -j ");
  const body = (chain: string) => `${chain} ${match} -m comment --comment ${RULE_MARK} -j ${target}`;
  const ensure = (chain: string) => `${cmd} -w${table} -C ${body(chain)} 2>/dev/null || ${cmd} -w${table} -I ${body(chain)}`;
  if (rule.fallbackChain) {
    return {
      up: `${ensure(rule.chain)} 2>/dev/null || ${ensure(rule.fallbackChain)}`,
      down: `${cmd} -w${table} -D ${body(rule.chain)} 2>/dev/null || true; ${cmd} -w${table} -D ${body(rule.fallbackChain)} 2>/dev/null || true`,
    };
  }
  return {
    up: ensure(rule.chain),
    down: `${cmd} -w${table} -D ${body(rule.chain)} 2>/dev/null || true`,
  };
}

/** Hook pairs for rules listed top first: `-I` puts each on top, so they are inserted in reverse. */
export function iptablesHookPairs(rules: readonly IptRule[]): FirewallHooks {
  const pairs = [...rules].reverse().map(iptablesPair);
  return { postUp: pairs.map((p) => p.up), preDown: pairs.map((p) => p.down).reverse(), files: [] };
}

/**
 * Rules inserted at the top of someone else's nftables chain (listed top first), each with the
 * mark as its comment; PostUp first clears earlier copies, PreDown deletes them by handle.
 * wg-quick cuts a hook line at `#`, so the handle is read with awk, not from the `# handle` text;
 * and it runs hooks under `set -e -o pipefail`, so a chain that is gone must not fail the clearing.
 */
export function nftInsertHooks(table: string, chain: string, rules: readonly string[]): FirewallHooks {
  const clear = `{ nft -a list chain ${table} ${chain} 2>/dev/null | awk '/comment "${RULE_MARK}"/ {print $NF}' | while read -r h; do nft delete rule ${table} ${chain} handle "$h"; done; } || true`;
  const inserts = [...rules].reverse().map((r) => `nft '${`insert rule ${table} ${chain} ${r} comment "${RULE_MARK}"`}'`);
  return { postUp: [[clear, ...inserts].join("; ")], preDown: [clear], files: [] };
}

/** The peers' endpoint addresses restrictPort accepts; undefined when a peer has none (it cannot be named). */
export function restrictSources(site: Site, index: number): string[] | undefined {
  const hosts = peersOf(site, index).map((p) => p.site.endpoint.host);
  return hosts.every((h): h is string => h !== undefined) ? hosts : undefined;
}

/** Rules the site file asks for on gateway `index`, in the order they must end up (first = top of chain). */
function wantedRules(site: Site, index: number): { input: { spec: string; v6: boolean }[]; forward: string[] } {
  const port = site.sites[index]!.endpoint.port;
  const input: { spec: string; v6: boolean }[] = [];
  const sources = restrictSources(site, index);
  if (site.firewall.restrictPort && sources) {
    for (const host of sources) input.push({ spec: `-p udp --dport ${port} -s ${host} -j ACCEPT`, v6: parseAddress(host)?.kind() === "ipv6" });
    const families = new Set(input.map((r) => r.v6));
    for (const v6 of families) input.push({ spec: `-p udp --dport ${port} -j DROP`, v6 });
  }
  const forward = site.firewall.block.map((b) => `-i %i -p ${b.proto}${b.port === undefined ? "" : ` --dport ${b.port}`} -j REJECT`);
  // The hub routes spoke to spoke: in and out of its own tunnel (below the block rules, which still apply).
  if (hubIndex(site) === index) forward.push(HUB_FORWARD);
  return { input, forward };
}

/** The hub's accept for spoke-to-spoke traffic; never NAT, the spokes see each other's real addresses. */
export const HUB_FORWARD = "-i %i -o %i -j ACCEPT";

function iptablesHooks(site: Site, index: number): FirewallHooks {
  const { input, forward } = wantedRules(site, index);
  return iptablesHookPairs([
    ...input.map((r) => ({ chain: "INPUT", spec: r.spec, v6: r.v6 })),
    ...forward.map((spec) => ({ chain: "FORWARD", spec })),
  ]);
}

/** The site file's `block` rules as iptables specs (REJECT from the tunnel), top first. */
export function blockSpecs(site: Site, index: number): string[] {
  return wantedRules(site, index).forward.filter((spec) => spec !== HUB_FORWARD);
}

export function nftTableName(iface: string): string {
  return `wgsite_${iface.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

function nftHooks(site: Site, index: number): FirewallHooks {
  const { input, forward } = wantedRules(site, index);
  if (input.length === 0 && forward.length === 0) return { postUp: [], preDown: [], files: [] };
  const iface = site.sites[index]!.interface;
  const table = nftTableName(iface);
  const lines = [
    "# managed by wgsite: removed by PreDown (nft delete table)",
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
  ];
  if (input.length > 0) {
    const port = input[0]!.spec.match(/--dport (\d+)/)![1];
    const hosts = restrictSources(site, index)!;
    lines.push("\tchain input {", "\t\ttype filter hook input priority filter - 1; policy accept;");
    // A drop in any base chain drops the packet, so this chain alone enforces "only the peers".
    for (const family of ["ip", "ip6"] as const) {
      const of = hosts.filter((h) => (parseAddress(h)?.kind() === "ipv6" ? "ip6" : "ip") === family);
      if (of.length > 0) lines.push(`\t\tudp dport ${port} ${family} saddr != ${of.length === 1 ? of[0] : `{ ${of.join(", ")} }`} drop`);
    }
    lines.push("\t}");
  }
  if (forward.length > 0) {
    lines.push("\tchain forward {", "\t\ttype filter hook forward priority filter - 1; policy accept;");
    for (const b of site.firewall.block) {
      lines.push(`\t\tiifname "${iface}" ${b.proto === "icmp" ? "ip protocol icmp" : `${b.proto} dport ${b.port ?? "0-65535"}`} reject`);
    }
    if (hubIndex(site) === index) lines.push(`\t\tiifname "${iface}" oifname "${iface}" accept`);
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

export function firewallHooks(site: Site, index: number, backend: FirewallBackend): FirewallHooks {
  return effectiveBackend(backend) === "nftables" ? nftHooks(site, index) : iptablesHooks(site, index);
}

/** Where LAN <-> tunnel forwarding gets accepted: the place the gateway's firewall expects it. */
export type ForwardPlace =
  | { readonly kind: "iptables" }
  | { readonly kind: "docker" }
  | { readonly kind: "ufw" }
  | { readonly kind: "firewalld" }
  | { readonly kind: "nftables"; readonly table: string; readonly chain: string };

/** A local LAN and the gateway interface that carries it (unknown when the gateway has no address in it). */
export type LanLink = { readonly lan: Cidr; readonly dev?: string };

/**
 * Accept rules for exactly LAN <-> tunnel traffic, top first: LAN -> remote LANs out of the tunnel,
 * and anything from the tunnel to the LAN. WireGuard only lets AllowedIPs (the remote LANs and the
 * transfer net) in, so the second needs no source: ICMP errors from the peer's tunnel address
 * (traceroute, path MTU) pass too. Replies pass because both directions are accepted.
 */
export function forwardAcceptSpecs(links: readonly LanLink[], remotes: readonly Cidr[]): string[] {
  return links.flatMap((l) => [
    ...remotes.map((r) => `${l.dev ? `-i ${l.dev} ` : ""}-o %i -s ${l.lan.text} -d ${r.text} -j ACCEPT`),
    `-i %i ${l.dev ? `-o ${l.dev} ` : ""}-d ${l.lan.text} -j ACCEPT`,
  ]);
}

export function nftAcceptRules(links: readonly LanLink[], remotes: readonly Cidr[]): string[] {
  return links.flatMap((l) => [
    ...remotes.map((r) => `${l.dev ? `iifname "${l.dev}" ` : ""}oifname "%i" ip saddr ${l.lan.text} ip daddr ${r.text} counter accept`),
    `iifname "%i" ${l.dev ? `oifname "${l.dev}" ` : ""}ip daddr ${l.lan.text} counter accept`,
  ]);
}

function ufwRouteRules(links: readonly LanLink[], remotes: readonly Cidr[]): string[] {
  return links.flatMap((l) => [
    ...remotes.map((r) => `route allow ${l.dev ? `in on ${l.dev} ` : ""}out on %i from ${l.lan.text} to ${r.text}`),
    `route allow in on %i ${l.dev ? `out on ${l.dev} ` : ""}to ${l.lan.text}`,
  ]);
}

/** ufw keeps its rules in its own files: PreDown deletes exactly the rules PostUp added. */
export function ufwHooks(rules: readonly string[]): FirewallHooks {
  return {
    postUp: rules.map((r) => `ufw ${r} comment ${RULE_MARK} >/dev/null`),
    preDown: [...rules].reverse().map((r) => `ufw ${r.replace(/^(route )?/, (m) => `${m}delete `)} >/dev/null 2>&1 || true`),
    files: [],
  };
}

/**
 * The hook pairs that accept LAN <-> tunnel forwarding at `place`. In DOCKER-USER the site file's
 * block rules are repeated above the accepts: Docker moves its jump to the top of FORWARD when it
 * starts, which would otherwise put the accepts ahead of the blocks.
 */
export function forwardAcceptHooks(place: ForwardPlace, links: readonly LanLink[], remotes: readonly Cidr[], blocks: readonly string[] = []): FirewallHooks {
  switch (place.kind) {
    case "iptables":
      return iptablesHookPairs(forwardAcceptSpecs(links, remotes).map((spec) => ({ chain: "FORWARD", spec })));
    case "docker":
      return iptablesHookPairs([...blocks, ...forwardAcceptSpecs(links, remotes)].map((spec) => ({ chain: "DOCKER-USER", spec, fallbackChain: "FORWARD" })));
    case "nftables":
      return nftInsertHooks(place.table, place.chain, nftAcceptRules(links, remotes));
    case "ufw":
      return ufwHooks(ufwRouteRules(links, remotes));
    case "firewalld":
      return firewalldZoneHooks(links.find((l) => l.dev)?.dev);
  }
}

/**
 * firewalld forwards between interfaces of one zone (`forward`, on in its zones by default), and
 * only between interfaces bound to it: one that merely falls into the default zone is not. So the
 * wg interface joins the LAN interface's zone, the LAN interface is bound explicitly when it was
 * not, and the zone's forward is turned on when it was off, at runtime and permanently (a
 * `firewall-cmd --reload` keeps them). What was the operator's before is noted in a marker file,
 * so PreDown takes back exactly what PostUp added.
 */
export function firewalldZoneHooks(lanDev: string | undefined): FirewallHooks {
  const marker = "/var/lib/wgsite/%i.firewalld";
  const both = (args: string) => `firewall-cmd -q ${args} && firewall-cmd -q --permanent ${args}`;
  const up = [
    `z="$(${lanDev ? `firewall-cmd --get-zone-of-interface=${lanDev} 2>/dev/null || ` : ""}firewall-cmd --get-default-zone)"`,
    ...(lanDev ? [`firewall-cmd --get-zone-of-interface=${lanDev} >/dev/null 2>&1 || { ${both(`--zone="$z" --add-interface=${lanDev}`)} && mkdir -p /var/lib/wgsite && echo "lan ${lanDev} $z" >> ${marker}; }`] : []),
    `firewall-cmd -q --zone="$z" --query-forward || { ${both(`--zone="$z" --add-forward`)} && mkdir -p /var/lib/wgsite && echo "forward $z" >> ${marker}; }`,
    `firewall-cmd --get-zone-of-interface=%i >/dev/null 2>&1 || firewall-cmd -q --zone="$z" --add-interface=%i`,
    `firewall-cmd -q --permanent --zone="$z" --query-interface=%i || firewall-cmd -q --permanent --zone="$z" --add-interface=%i`,
  ];
  const down = [
    `z="$(firewall-cmd --get-zone-of-interface=%i 2>/dev/null)" || true`,
    `[ -z "$z" ] || { firewall-cmd -q --zone="$z" --remove-interface=%i; firewall-cmd -q --permanent --zone="$z" --remove-interface=%i; }`,
    `[ ! -e ${marker} ] || while read -r what a b; do case $what in lan) firewall-cmd -q --zone="$b" --remove-interface="$a"; firewall-cmd -q --permanent --zone="$b" --remove-interface="$a";; forward) firewall-cmd -q --zone="$a" --remove-forward; firewall-cmd -q --permanent --zone="$a" --remove-forward;; esac; done < ${marker}`,
    `rm -f ${marker}`,
  ];
  return { postUp: [up.join("; ")], preDown: [down.join("; ")], files: [] };
}

/** How many accept rules forwardAcceptHooks adds (for the plan's wording). */
export function forwardAcceptCount(links: readonly LanLink[], remotes: readonly Cidr[]): number {
  return links.length * (remotes.length + 1);
}

/** Whether gateway `index` (any, when not given) gets rules of its own: the hub's spoke-to-spoke accept is one. */
export function needsFirewallTool(site: Site, index?: number): boolean {
  return site.firewall.restrictPort || site.firewall.block.length > 0 || (index !== undefined && hubIndex(site) === index);
}
