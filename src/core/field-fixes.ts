import { forwardPaths } from "./rules/forward.ts";
import { interSiteNat } from "./rules/inter-site-nat.ts";
import { parseIptablesSave, type IptablesDump } from "./rules/iptables-save.ts";
import { parseNftRuleset, type NftRuleset } from "./rules/nft-ruleset.ts";
import { cidrContains, networkOfPrefix, parseAddress, type Cidr } from "./address.ts";
import { blockSpecs, forwardAcceptCount, forwardAcceptHooks, nftAcceptRules, nftInsertHooks, nftTableName, ufwHooks, type FirewallHooks, type ForwardPlace, type LanLink } from "./firewall.ts";
import type { HostFacts } from "./host-facts.ts";
import { isJournal } from "./journal.ts";
import { natCatchesInterSite, natExemptHooks, type NatPlace } from "./nat.ts";
import type { Step } from "./plan-types.ts";
import type { Site } from "./site.ts";
import { hubIndex, peersOf, remoteLans } from "./topology.ts";

/**
 * What real gateways need besides the reference setup, found in the facts: forwarding accepted
 * through a restrictive filter, inter-site traffic exempted from source NAT, the WireGuard port let
 * in through ufw or firewalld, and loose reverse-path filtering on the tunnel. Each fix is hook
 * pairs in the config (PostUp adds, PreDown removes exactly that) and one step of the plan.
 */
export type FieldFixId = "forward" | "nat" | "input-port" | "rp-filter";

export type FieldFix = {
  readonly id: FieldFixId;
  /** The finding and what wgsite adds, as the plan and the review show it. */
  readonly title: string;
  /** What decided it: the rule, policy or setting found, and how the fix is kept and removed. */
  readonly reason: string;
  /** Hook lines for the config (`%i` = the interface). */
  readonly hooks: FirewallHooks;
  /** Shell that applies the fix now, when running the PostUp lines before the interface exists would not do. */
  readonly now?: string;
  /** The facts show it in effect (rules present, sysctl set); false makes a rerun apply it again. */
  readonly inForce: boolean;
};

/** Matches wgsite's comment on rules for `iface` (and not for an interface whose name merely starts the same). */
function markOf(iface: string): RegExp {
  return new RegExp(`wgsite:${iface.replace(/[.+]/g, "\\$&")}(?![\\w.-])`);
}

/** The firewall as the operator left it: wgsite's own marked rules and table taken out, so reruns decide the same. */
export function operatorRules(raw: NonNullable<HostFacts["firewallRaw"]>, iface: string): { iptables: IptablesDump; nft: NftRuleset } {
  const mark = markOf(iface);
  const keep = (text: string) => text.split("\n").filter((l) => !mark.test(l)).join("\n");
  const nft = parseNftRuleset(keep(raw.nft));
  return { iptables: parseIptablesSave(keep(raw.iptables)), nft: { chains: nft.chains.filter((c) => c.table !== nftTableName(iface)) } };
}

/**
 * Whether at least `n` rules marked for `iface` that `match` are in the capture: a firewall
 * flushed under a running tunnel (nftables.service restarted, iptables -F) is repaired by a rerun.
 * Without a capture nothing can be told, and the config's hooks are taken as in force.
 */
function markedRules(facts: HostFacts, iface: string, n: number, match: (line: string) => boolean): boolean {
  if (!facts.firewallRaw) return true;
  const mark = markOf(iface);
  const lines = `${facts.firewallRaw.iptables}\n${facts.firewallRaw.nft}`.split("\n");
  return lines.filter((l) => mark.test(l) && match(l)).length >= n;
}

/** Each local LAN with the gateway interface that carries it (facts.connected). */
export function lanLinks(lans: readonly Cidr[], facts: HostFacts): LanLink[] {
  return lans.map((lan) => {
    const net = [...facts.connected, ...(facts.connected6 ?? [])].find((c) => {
      const address = parseAddress(c.address);
      return address !== undefined && cidrContains(lan, address);
    });
    return net ? { lan, dev: net.dev } : { lan };
  });
}

/** Fix ids a previous run recorded in the journal: what on the gateway is wgsite's. */
function journaledFixes(facts: HostFacts): Set<string> {
  if (!isJournal(facts.journal)) return new Set();
  return new Set((facts.journal.fixes ?? []).map((f) => f.id));
}

/**
 * The hub's accepts in a dropping nftables chain, its spoke-to-spoke accept with them: the one in
 * wgsite's own table would not override that chain's drop. (iptables: the config's own FORWARD
 * rule is inserted at the top.)
 */
function hubNftHooks(place: Extract<ForwardPlace, { kind: "nftables" }>, links: readonly LanLink[], remotes: readonly Cidr[]): FirewallHooks {
  return nftInsertHooks(place.table, place.chain, [...nftAcceptRules(links, remotes), `iifname "%i" oifname "%i" counter accept`]);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function forwardFix(site: Site, index: number, facts: HostFacts, rules: ReturnType<typeof operatorRules> | undefined): FieldFix | undefined {
  const self = site.sites[index]!;
  const peer = { lan: remoteLans(site, index) };
  const iface = self.interface;
  const fw = facts.firewall;
  const links = lanLinks(self.lan, facts);
  const lanDev = links.find((l) => l.dev)?.dev;
  const count = plural(forwardAcceptCount(links, peer.lan), "accept rule");
  const between = `${self.lan.map((l) => l.text).join(", ")}${lanDev ? ` (${lanDev})` : ""} <-> ${iface}`;
  const kept = "added by PostUp, removed by PreDown";
  // The capture holds iptables-save (IPv4) and nft's ruleset: only the rules it can show are counted.
  const accepts = (place: ForwardPlace) => (place.kind === "nftables" ? forwardAcceptCount(links, peer.lan, place) : forwardAcceptCount(links.filter((l) => l.lan.family === "ipv4"), peer.lan));
  const present: Record<ForwardPlace["kind"], (l: string) => boolean> = {
    iptables: (l) => l.startsWith("-A FORWARD ") && l.includes("-j ACCEPT"),
    docker: (l) => /^-A (DOCKER-USER|FORWARD) /.test(l) && l.includes("-j ACCEPT"),
    nftables: (l) => / accept comment /.test(l),
    ufw: () => true,
    firewalld: () => true,
  };
  // Where the captured rules drop tunnel traffic; undefined without a capture.
  const seenDrop = () => (rules ? forwardPaths({ ...rules, wgInterface: iface, ...(lanDev ? { lanInterface: lanDev } : {}), localLans: self.lan, remoteLans: peer.lan }).find((p) => p.verdict === "drop") : undefined);
  const fix = (place: ForwardPlace, title: string, reason: string): FieldFix => ({
    id: "forward",
    title,
    reason,
    hooks:
      hubIndex(site) === index && place.kind === "nftables"
        ? hubNftHooks(place, links, peer.lan)
        : forwardAcceptHooks(place, links, peer.lan, place.kind === "docker" ? blockSpecs(site, index) : []),
    // firewalld's rules are seen when its nftables table could be read: a binding lost since (a zone
    // edited by hand) makes the fix due again; unseen, the running unit's PostUp is trusted.
    inForce: place.kind === "firewalld" ? seenDrop() === undefined : place.kind === "ufw" || markedRules(facts, iface, accepts(place), present[place.kind]),
  });
  if (fw.firewalldActive) {
    return fix(
      { kind: "firewalld" },
      `firewalld is active: adding ${iface} to ${lanDev ? `${lanDev}'s` : "the default"} zone`,
      `firewalld forwards only between interfaces bound to one zone; ${iface} joins ${lanDev ? `the zone of ${lanDev} (binding ${lanDev} explicitly if it only fell into the default zone)` : "the default zone"}, with the zone's forward on, at runtime and permanently; what was not there before is noted in /var/lib/wgsite/${iface}.firewalld, ${kept}`,
    );
  }
  if (fw.ufwActive) {
    return fix({ kind: "ufw" }, `ufw is active: adding ${plural(forwardAcceptCount(links, peer.lan), "ufw route allow rule")}`, `ufw denies routed traffic by default; the rules allow exactly ${between}, ${kept}`);
  }
  if (fw.dockerUser) {
    const cause = fw.forwardPolicy === "DROP" ? "FORWARD policy is DROP (Docker)" : "Docker filters forwarding";
    const blocks = site.firewall.block.length;
    return fix(
      { kind: "docker" },
      `${cause}: adding ${count} in DOCKER-USER`,
      `Docker's FORWARD chain drops what it does not know; DOCKER-USER is where Docker expects the operator's rules (FORWARD until Docker has started): accepts for ${between}${blocks ? `, below the site file's ${plural(blocks, "block rule")}` : ""}, ${kept}`,
    );
  }
  const dropped = rules
    ? seenDrop()
    : fw.forwardPolicy === "DROP" && fw.backend !== "nftables"
      ? { by: "FORWARD policy drop", at: { backend: "iptables" as const, table: "filter", chain: "FORWARD" } }
      : undefined;
  if (!dropped) return undefined;
  const byPolicy = / policy drop$/.test(dropped.by);
  if (dropped.at?.backend === "nftables") {
    const where = `${dropped.at.table} ${dropped.at.chain}`;
    return fix(
      { kind: "nftables", table: dropped.at.table, chain: dropped.at.chain },
      `nftables chain ${where} ${byPolicy ? "has policy drop" : "drops tunnel traffic"}: adding ${count} at its top`,
      `${byPolicy ? "its policy drops" : `dropped by: ${dropped.by}; it drops`} ${between}; an accept in a chain of wgsite's own would not override that, so the rules go in this chain, marked wgsite:${iface}, ${kept}`,
    );
  }
  return fix(
    { kind: "iptables" },
    `${byPolicy ? "FORWARD policy is DROP" : "a FORWARD rule drops tunnel traffic"}: adding ${count} at the top of FORWARD`,
    `${byPolicy ? "the FORWARD policy drops" : `dropped by: ${dropped.by}; it drops`} ${between}; the site file's block rules stay above the accepts, ${kept}`,
  );
}

function natFix(site: Site, index: number, facts: HostFacts, rules: ReturnType<typeof operatorRules> | undefined): FieldFix | undefined {
  const self = site.sites[index]!;
  const peer = { lan: remoteLans(site, index) };
  let found: { place: NatPlace; rule: string; target: string } | undefined;
  if (rules) {
    const nat = interSiteNat(rules.iptables, rules.nft, self.lan, peer.lan, self.interface);
    if (nat) found = { place: { backend: nat.backend, table: nat.table, chain: nat.chain }, rule: nat.rule.rule.trim(), target: nat.rule.target };
  } else {
    const rule = facts.firewall.natRules.find((r) => natCatchesInterSite(r, self.lan, peer.lan, self.interface));
    if (rule) found = { place: { backend: "iptables", table: "nat", chain: rule.chain }, rule: rule.rule, target: rule.target };
  }
  if (!found) return undefined;
  // The source NAT found is IPv4's (iptables-save, nft ip/inet nat): the exemptions are too.
  const n = self.lan.filter((l) => l.family === "ipv4").length * peer.lan.filter((l) => l.family === "ipv4").length;
  const place = found.place;
  const where = found.place.backend === "iptables" ? `the top of ${found.place.chain}` : `the top of ${found.place.table} ${found.place.chain}`;
  return {
    id: "nat",
    title: `${found.target} would rewrite inter-site traffic: adding ${plural(n, "NAT exemption")} at ${where}`,
    reason: `${found.rule} catches ${self.lan.map((l) => l.text).join(", ")} -> ${peer.lan.map((l) => l.text).join(", ")}; the sites must see each other's real addresses (no NAT between the sites); added by PostUp, removed by PreDown`,
    hooks: natExemptHooks(found.place, self.lan, peer.lan),
    inForce: markedRules(facts, self.interface, n, (l) => (place.backend === "iptables" ? l.startsWith(`-A ${place.chain} `) && l.includes("-j RETURN") : / return comment /.test(l))),
  };
}

/** Whether the operator's own ufw rules already let UDP `port` in. */
function ufwAllowsPort(iptables: string, port: number): boolean {
  return iptables.split("\n").some((l) => /^-A ufw-user-input\b/.test(l) && /-p udp\b/.test(l) && new RegExp(`--dports? (\\S*,)?${port}(,|\\s|:|$)`).test(l) && /-j ACCEPT\b/.test(l));
}

/** The device of the route a packet to `host` takes (longest prefix), when the facts tell. */
function routeDev(facts: HostFacts, host: string): string | undefined {
  const address = parseAddress(host);
  if (!address) return undefined;
  let best: { dev: string; prefix: number } | undefined;
  for (const r of facts.routes) {
    const net = networkOfPrefix(r.dst);
    if (net && r.dev && cidrContains(net, address) && (!best || net.prefix > best.prefix)) best = { dev: r.dev, prefix: net.prefix };
  }
  return best?.dev;
}

function inputPortFix(site: Site, index: number, facts: HostFacts): FieldFix | undefined {
  const self = site.sites[index]!;
  const peers = peersOf(site, index);
  // restrictPort already accepts the peers at the top of INPUT (when it can name them all).
  if (site.firewall.restrictPort && peers.every((p) => p.site.endpoint.host !== undefined)) return undefined;
  // Every peer reaches out (endpoint: none on all of them): nothing arrives unasked, the replies pass as established.
  if (peers.every((p) => p.site.endpoint.host === undefined)) return undefined;
  const only = peers.length === 1 ? peers[0]!.site : undefined;
  const peer = { name: only ? only.name : "its peers", endpoint: { host: only?.endpoint.host } };
  const port = self.endpoint.port;
  const from = peer.endpoint.host !== undefined && parseAddress(peer.endpoint.host) ? peer.endpoint.host : undefined;
  const kept = "added by PostUp, removed by PreDown";
  if (facts.firewall.ufwActive) {
    if (!journaledFixes(facts).has("input-port") && ufwAllowsPort(facts.firewallRaw?.iptables ?? "", port)) return undefined;
    return {
      id: "input-port",
      title: `ufw is active: allowing UDP ${port}${from ? ` from ${from}` : ""}`,
      reason: `ufw denies incoming traffic by default, and ${peer.name}${only ? "'s" : "'"} handshakes arrive on UDP ${port}; ${kept}`,
      hooks: ufwHooks([`allow proto udp ${from ? `from ${from} ` : ""}to any port ${port}`]),
      inForce: true,
    };
  }
  if (facts.firewall.firewalldActive) {
    const dev = peer.endpoint.host === undefined ? undefined : routeDev(facts, peer.endpoint.host);
    const zone = dev ? `"$(firewall-cmd --get-zone-of-interface=${dev} 2>/dev/null || firewall-cmd --get-default-zone)"` : `"$(firewall-cmd --get-default-zone)"`;
    const family = from && parseAddress(from)?.kind() === "ipv6" ? "ipv6" : "ipv4";
    const rich = `'rule family="${family}"${from ? ` source address="${from}"` : ""} port port="${port}" protocol="udp" accept'`;
    return {
      id: "input-port",
      title: `firewalld is active: allowing UDP ${port}${from ? ` from ${from}` : ""}`,
      reason: `firewalld's zones reject incoming traffic they have no service for, and ${peer.name}${only ? "'s" : "'"} handshakes arrive on UDP ${port}; a rich rule in ${dev ? `${dev}'s` : "the default"} zone, at runtime and permanently, ${kept}`,
      hooks: {
        postUp: [
          `firewall-cmd -q --zone=${zone} --query-rich-rule=${rich} || firewall-cmd -q --zone=${zone} --add-rich-rule=${rich}; firewall-cmd -q --permanent --zone=${zone} --query-rich-rule=${rich} || firewall-cmd -q --permanent --zone=${zone} --add-rich-rule=${rich}`,
        ],
        preDown: [`firewall-cmd -q --zone=${zone} --remove-rich-rule=${rich} 2>/dev/null || true; firewall-cmd -q --permanent --zone=${zone} --remove-rich-rule=${rich} 2>/dev/null || true`],
        files: [],
      },
      inForce: true,
    };
  }
  return undefined;
}

function rpFilterFix(site: Site, index: number, facts: HostFacts): FieldFix | undefined {
  const iface = site.sites[index]!.interface;
  const { all, default: def } = facts.rpFilter;
  // A new interface starts with `default`; the kernel applies max(all, interface).
  if (Math.max(all, def) !== 1) return undefined;
  const sysctl = `net.ipv4.conf.${iface}.rp_filter`;
  return {
    id: "rp-filter",
    title: `strict rp_filter (all=${all}, default=${def}): setting ${sysctl}=2 (loose)`,
    reason: `strict reverse-path filtering drops tunnel traffic whose source is not routed back through ${iface}; the kernel uses max(all, ${iface}), so 2 on ${iface} alone makes it loose for the tunnel only; set by PostUp each time ${iface} comes up`,
    hooks: { postUp: [`sysctl -q -w net.ipv4.conf.%i.rp_filter=2`], preDown: [], files: [] },
    now: `[ ! -d /proc/sys/net/ipv4/conf/${iface} ] || sysctl -q -w ${sysctl}=2`,
    inForce: facts.rpFilter.iface === 2,
  };
}

/** The field fixes gateway `index` needs, in the order their hooks run. */
export function fieldFixes(site: Site, index: number, facts: HostFacts): FieldFix[] {
  const rules = facts.firewallRaw ? operatorRules(facts.firewallRaw, site.sites[index]!.interface) : undefined;
  return [forwardFix(site, index, facts, rules), natFix(site, index, facts, rules), inputPortFix(site, index, facts), rpFilterFix(site, index, facts)].filter(
    (f): f is FieldFix => f !== undefined,
  );
}

/** All fixes' hooks as one set of pairs, for RenderInput.extraHooks. */
export function fixHooks(fixes: readonly FieldFix[]): FirewallHooks {
  return {
    postUp: fixes.flatMap((f) => f.hooks.postUp),
    preDown: [...fixes].reverse().flatMap((f) => f.hooks.preDown),
    files: fixes.flatMap((f) => f.hooks.files),
  };
}

const forIface = (line: string, iface: string) => line.replaceAll("%i", iface);

/** What undoes a fix on the gateway now: its PreDown lines for this interface (recorded in the journal too). */
export function fixUndo(fix: FieldFix, iface: string): string {
  return fix.hooks.preDown.length ? `${fix.hooks.preDown.map((l) => `{ ${forIface(l, iface)}; }`).join("; ")}; true` : "true";
}

/**
 * One step per fix, run before the unit starts: it applies the fix now (the same commands as
 * PostUp, idempotent), and its undo removes it. Nothing to do when the running config already
 * carries the fix's hooks and the facts show it in effect.
 */
export function fixSteps(fixes: readonly FieldFix[], iface: string, facts: HostFacts | undefined): Step[] {
  return fixes.map((fix): Step => {
    const inConfig = facts?.existingConfig !== undefined && fix.hooks.postUp.every((l) => facts.existingConfig!.split("\n").includes(`PostUp = ${l}`));
    const base = { id: `fix-${fix.id}` as const, phase: "configure" as const, title: fix.title, reason: fix.reason };
    // A fix in force keeps its undo: the journal records it for `remove`; rollback skips steps with nothing to do.
    const undo = [{ op: "run" as const, sh: fixUndo(fix, iface) }];
    if (facts?.unit.active && inConfig && fix.inForce) return { ...base, ops: [], undo, noop: `in ${iface}'s running config (PostUp/PreDown) and in effect` };
    return { ...base, ops: [{ op: "run", sh: fix.now ?? fix.hooks.postUp.map((l) => `{ ${forIface(l, iface)}; }`).join(" && ") }], undo };
  });
}
