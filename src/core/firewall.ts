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
  readonly table?: "filter" | "nat" | "mangle";
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
  // A kernel booted without IPv6 has nothing to filter there, and must not fail wg-quick up.
  const noIpv6 = rule.v6 ? " || [ ! -e /proc/net/if_inet6 ]" : "";
  if (rule.fallbackChain) {
    return {
      up: `${ensure(rule.chain)} 2>/dev/null || ${ensure(rule.fallbackChain)}${noIpv6}`,
      down: `${cmd} -w${table} -D ${body(rule.chain)} 2>/dev/null || true; ${cmd} -w${table} -D ${body(rule.fallbackChain)} 2>/dev/null || true`,
    };
  }
  return {
    up: `${ensure(rule.chain)}${noIpv6}`,
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

/** The address families a site file's traffic can have: those of its sites' LANs. */
export type Family = "ipv4" | "ipv6";

export function lanFamilies(site: Site): Family[] {
  const all = new Set(site.sites.flatMap((s) => s.lan.map((c) => c.family)));
  return (["ipv4", "ipv6"] as const).filter((f) => all.has(f));
}

/** The peers' endpoint hosts restrictPort accepts; undefined when a peer has none (it cannot be named). */
export function restrictSources(site: Site, index: number): string[] | undefined {
  const hosts = peersOf(site, index).map((p) => p.site.endpoint.host);
  return hosts.every((h): h is string => h !== undefined) ? hosts : undefined;
}

/**
 * The sources restrictPort lets in, per family: each peer's endpoint literal, or the addresses its
 * name resolves to on the gateway (resolved by the caller: the core has no resolver). An unresolved
 * name (an offline plan) stands for itself, for iptables and nft to resolve when the rules are loaded.
 * A family with no source drops the port for everyone.
 */
export type PeerSources = { readonly ipv4: readonly string[]; readonly ipv6: readonly string[] };

/** What endpoint names resolve to on one gateway, by name (facts.peerAddresses). */
export type Resolved = Readonly<Record<string, readonly string[]>>;

export function peerSources(hosts: readonly string[], resolved?: Resolved): PeerSources {
  const all = hosts.flatMap((host) => (parseAddress(host) ? [host] : (resolved?.[host] ?? [host])));
  const unique = [...new Set(all)];
  const names = unique.filter((a) => !parseAddress(a));
  return {
    ipv4: [...unique.filter((a) => parseAddress(a)?.kind() === "ipv4"), ...names],
    ipv6: [...unique.filter((a) => parseAddress(a)?.kind() === "ipv6"), ...names],
  };
}

/** What the plan says about restrictPort's sources where an endpoint is a name. */
export function restrictPortNote(site: Site, index: number, resolved?: Resolved): string | undefined {
  const hosts = restrictSources(site, index);
  if (!site.firewall.restrictPort || !hosts || !resolved) return undefined;
  const port = site.sites[index]!.endpoint.port;
  const notes = hosts
    .filter((h) => !parseAddress(h) && resolved[h] !== undefined)
    .map((h) => (resolved[h]!.length === 0 ? `${h} does not resolve on this gateway, so UDP ${port} is closed to ${hosts.length === 1 ? "everyone" : "it"}; fix its DNS (or give the endpoint as an address) and apply again` : `${h} resolves to ${resolved[h]!.join(", ")} now; apply again when that changes`));
  return notes.length > 0 ? `restrictPort: ${notes.join("; ")}` : undefined;
}

type FamilyRule = { readonly spec: string; readonly v6: boolean };

/** The hub's accept for spoke-to-spoke traffic; never NAT, the spokes see each other's real addresses. */
export const HUB_FORWARD = "-i %i -o %i -j ACCEPT";

/** Rules the site file asks for on gateway `index`, in the order they must end up (first = top of chain). */
function wantedRules(site: Site, index: number, sources: PeerSources | undefined): { input: FamilyRule[]; forward: FamilyRule[] } {
  const port = site.sites[index]!.endpoint.port;
  const input: FamilyRule[] = [];
  if (site.firewall.restrictPort && sources) {
    for (const family of ["ipv4", "ipv6"] as const) {
      const v6 = family === "ipv6";
      for (const source of sources[family]) input.push({ spec: `-p udp --dport ${port} -s ${source} -j ACCEPT`, v6 });
      input.push({ spec: `-p udp --dport ${port} -j DROP`, v6 });
    }
  }
  const families = lanFamilies(site);
  const forward = families.flatMap((family) =>
    site.firewall.block.map((b) => {
      // ICMPv6's Packet Too Big is how IPv6 learns the path MTU (routers never fragment): never refused (RFC 4890).
      const proto = b.proto === "icmp" && family === "ipv6" ? "ipv6-icmp -m icmp6 ! --icmpv6-type packet-too-big" : b.proto;
      return { spec: `-i %i -p ${proto}${b.port === undefined ? "" : ` --dport ${b.port}`} -j REJECT`, v6: family === "ipv6" };
    }),
  );
  // The hub routes spoke to spoke: in and out of its own tunnel (below the block rules, which still apply).
  if (hubIndex(site) === index) forward.push(...families.map((family) => ({ spec: HUB_FORWARD, v6: family === "ipv6" })));
  return { input, forward };
}

function iptablesHooks(site: Site, index: number, sources: PeerSources | undefined): FirewallHooks {
  const { input, forward } = wantedRules(site, index, sources);
  return iptablesHookPairs([
    ...input.map((r) => ({ chain: "INPUT", spec: r.spec, v6: r.v6 })),
    ...forward.map((r) => ({ chain: "FORWARD", spec: r.spec, v6: r.v6 })),
  ]);
}

/** The site file's IPv4 `block` rules as iptables specs (REJECT from the tunnel), top first. */
export function blockSpecs(site: Site, index: number): string[] {
  return wantedRules(site, index, undefined)
    .forward.filter((r) => !r.v6 && r.spec !== HUB_FORWARD)
    .map((r) => r.spec);
}

export function nftTableName(iface: string): string {
  return `wgsite_${iface.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

const nftSet = (values: readonly string[]) => (values.length === 1 ? values[0]! : `{ ${values.join(", ")} }`);

/**
 * One drop per family: `ip saddr` and `ip6 saddr` each match only their own family in an inet
 * table, so a family without a source needs its own rule, or its packets would pass.
 */
function nftInputRules(port: number, sources: PeerSources): string[] {
  return (["ipv4", "ipv6"] as const).map((family) => {
    const list = sources[family];
    const saddr = family === "ipv4" ? "ip saddr" : "ip6 saddr";
    return list.length > 0 ? `udp dport ${port} ${saddr} != ${nftSet(list)} drop` : `meta nfproto ${family} udp dport ${port} drop`;
  });
}

/** A block rule's matches in nftables: `icmp` is one per family, ICMPv6's Packet Too Big let through as in iptables. */
function nftBlockMatches(b: Site["firewall"]["block"][number], families: readonly Family[]): string[] {
  if (b.proto !== "icmp") return [`${b.proto} dport ${b.port ?? "0-65535"}`];
  return families.map((f) => (f === "ipv4" ? "ip protocol icmp" : "meta l4proto ipv6-icmp icmpv6 type != packet-too-big"));
}

function nftHooks(site: Site, index: number, sources: PeerSources | undefined, clampMss: boolean): FirewallHooks {
  const restrict = site.firewall.restrictPort && sources !== undefined;
  const blocks = site.firewall.block;
  const hub = hubIndex(site) === index;
  if (!restrict && blocks.length === 0 && !clampMss && !hub) return { postUp: [], preDown: [], files: [] };
  const iface = site.sites[index]!.interface;
  const table = nftTableName(iface);
  const lines = [
    "# managed by wgsite: removed by PreDown (nft delete table)",
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
  ];
  if (restrict) {
    // A drop in any base chain drops the packet, so this chain alone enforces "only the peers".
    lines.push(
      "\tchain input {",
      "\t\ttype filter hook input priority filter - 1; policy accept;",
      ...nftInputRules(site.sites[index]!.endpoint.port, sources!).map((r) => `\t\t${r}`),
      "\t}",
    );
  }
  if (blocks.length > 0 || hub) {
    const families = lanFamilies(site);
    lines.push("\tchain forward {", "\t\ttype filter hook forward priority filter - 1; policy accept;");
    for (const b of blocks) for (const match of nftBlockMatches(b, families)) lines.push(`\t\tiifname "${iface}" ${match} reject`);
    if (hub) lines.push(`\t\tiifname "${iface}" oifname "${iface}" accept`);
    lines.push("\t}");
  }
  if (clampMss) lines.push(...nftMssChain(iface));
  lines.push("}", "");
  const path = `/etc/wireguard/${iface}.nft`;
  return { postUp: [`nft -f ${path}`], preDown: [`nft delete table inet ${table} 2>/dev/null || true`], files: [{ path, content: lines.join("\n") }] };
}

/**
 * TCP MSS clamped to the route's MTU on SYNs leaving through the tunnel: LAN hosts that never learn
 * the path MTU (ICMP filtered on their side) still send segments that fit. Each gateway clamps what
 * it sends, so both directions of a connection are covered.
 */
function nftMssChain(iface: string): string[] {
  return [
    "\tchain mss {",
    "\t\ttype filter hook forward priority mangle; policy accept;",
    `\t\toifname "${iface}" tcp flags & (syn | rst) == syn tcp option maxseg size set rt mtu`,
    "\t}",
  ];
}

function iptablesMssHooks(site: Site): FirewallHooks {
  return iptablesHookPairs(
    lanFamilies(site).map((family) => ({ table: "mangle" as const, chain: "FORWARD", spec: "-o %i -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", v6: family === "ipv6" })),
  );
}

/** The backend that will be used: a gateway with no firewall tool gets iptables installed (the reference's model). */
export function effectiveBackend(backend: FirewallBackend): Exclude<FirewallBackend, "none"> {
  return backend === "none" ? "iptables-nft" : backend;
}

/** What the hooks are built from besides the site file: what the peers' endpoint names resolve to, whether MSS is clamped. */
export type FirewallInput = { readonly peerAddresses?: Resolved; readonly clampMss?: boolean };

export function firewallHooks(site: Site, index: number, backend: FirewallBackend, input: FirewallInput = {}): FirewallHooks {
  const hosts = restrictSources(site, index);
  const sources = hosts ? peerSources(hosts, input.peerAddresses) : undefined;
  const clamp = input.clampMss ?? false;
  if (effectiveBackend(backend) === "nftables") return nftHooks(site, index, sources, clamp);
  const rules = iptablesHooks(site, index, sources);
  if (!clamp) return rules;
  const mss = iptablesMssHooks(site);
  return { postUp: [...rules.postUp, ...mss.postUp], preDown: [...mss.preDown, ...rules.preDown], files: [] };
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
export function forwardAcceptSpecs(links: readonly LanLink[], remotes: readonly Cidr[]): FamilyRule[] {
  return links.flatMap((l) => {
    const v6 = l.lan.family === "ipv6";
    return [
      ...sameFamily(l, remotes).map((r) => ({ spec: `${l.dev ? `-i ${l.dev} ` : ""}-o %i -s ${l.lan.text} -d ${r.text} -j ACCEPT`, v6 })),
      { spec: `-i %i ${l.dev ? `-o ${l.dev} ` : ""}-d ${l.lan.text} -j ACCEPT`, v6 },
    ];
  });
}

/** Remote LANs of the local LAN's family: an IPv4 LAN never talks to an IPv6 one. */
function sameFamily(l: LanLink, remotes: readonly Cidr[]): Cidr[] {
  return remotes.filter((r) => r.family === l.lan.family);
}

/** An nftables table of family `ip` sees IPv4 only: IPv6 LANs get no rules there (and need none). */
function nftLinks(place: { readonly table: string }, links: readonly LanLink[]): readonly LanLink[] {
  return place.table.startsWith("ip ") ? links.filter((l) => l.lan.family === "ipv4") : links;
}

export function nftAcceptRules(links: readonly LanLink[], remotes: readonly Cidr[]): string[] {
  return links.flatMap((l) => {
    const ip = l.lan.family === "ipv6" ? "ip6" : "ip";
    return [
      ...sameFamily(l, remotes).map((r) => `${l.dev ? `iifname "${l.dev}" ` : ""}oifname "%i" ${ip} saddr ${l.lan.text} ${ip} daddr ${r.text} counter accept`),
      `iifname "%i" ${l.dev ? `oifname "${l.dev}" ` : ""}${ip} daddr ${l.lan.text} counter accept`,
    ];
  });
}

function ufwRouteRules(links: readonly LanLink[], remotes: readonly Cidr[]): string[] {
  return links.flatMap((l) => [
    ...sameFamily(l, remotes).map((r) => `route allow ${l.dev ? `in on ${l.dev} ` : ""}out on %i from ${l.lan.text} to ${r.text}`),
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
      return iptablesHookPairs(forwardAcceptSpecs(links, remotes).map((r) => ({ chain: "FORWARD", spec: r.spec, v6: r.v6 })));
    case "docker":
      return iptablesHookPairs([...blocks.map((spec) => ({ spec, v6: false })), ...forwardAcceptSpecs(links, remotes)].map((r) => ({ chain: "DOCKER-USER", spec: r.spec, v6: r.v6, fallbackChain: "FORWARD" })));
    case "nftables":
      return nftInsertHooks(place.table, place.chain, nftAcceptRules(nftLinks(place, links), remotes));
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

/** How many accept rules forwardAcceptHooks adds at `place` (for the plan's wording and the rerun's count). */
export function forwardAcceptCount(links: readonly LanLink[], remotes: readonly Cidr[], place?: ForwardPlace): number {
  const placed = place?.kind === "nftables" ? nftLinks(place, links) : links;
  return placed.reduce((n, l) => n + sameFamily(l, remotes).length + 1, 0);
}

/** Whether gateway `index` (any, when not given) gets rules of its own: the hub's spoke-to-spoke accept and MSS clamping are such. */
export function needsFirewallTool(site: Site, index?: number, clampMss = site.tunnel.clampMss === true): boolean {
  return site.firewall.restrictPort || site.firewall.block.length > 0 || clampMss || (index !== undefined && hubIndex(site) === index);
}
