import { cidrsOverlap, isAddressLiteral, parseAddress, parseCidr } from "../core/address.ts";
import { sysctlPath } from "../core/plan.ts";
import { peerOf, type Site, type SiteDef } from "../core/site.ts";
import { transferAddress, transferAddress6 } from "../core/topology.ts";
import { openrcService, serviceUnit, STALE_AFTER_SEC, timerUnit } from "../core/reresolve.ts";
import { forwardPaths } from "../core/rules/forward.ts";
import { formatAge, formatMs, shortKey } from "./format.ts";
import { interSiteNat } from "../core/rules/inter-site-nat.ts";
import type { StatusSample } from "./sample.ts";
import { lanPresence } from "./targets.ts";
import type { WgDump, WgPeer } from "./wg-dump.ts";

export type CheckStatus = "green" | "yellow" | "red";

/** The checks in the order a person would fix things: a red one early explains the reds after it. */
export const CHECK_IDS = [
  "unit",
  "interface",
  "peer-key",
  "endpoint",
  "handshake",
  "route",
  "ip-forward",
  "ip6-forward",
  "rp-filter",
  "nat",
  "forward",
  "tunnel-ping",
  "tunnel-ping6",
  "lan-ping",
  "lan-ping6",
  "lan-host",
  "mtu-ping",
  "mtu",
  "latency",
  "key-age",
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

export type Check = {
  readonly id: CheckId;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was found, short enough for a 39-column pane. */
  readonly detail: string;
  /** One line naming the fix; present whenever the status is not green. */
  readonly hint?: string;
};

/** Older than this the session keys are dead (WireGuard's REJECT_AFTER_TIME): the tunnel is down. */
export const HANDSHAKE_STALE_SEC = 180;

/** The peer entry that stands for the other site: by its key, else by the remote LAN in its allowed IPs. */
export function findPeer(dump: WgDump | undefined, expectedKey: string | undefined, remoteLans: readonly string[]): WgPeer | undefined {
  if (!dump) return undefined;
  const byKey = expectedKey ? dump.peers.find((p) => p.publicKey === expectedKey) : undefined;
  if (byKey) return byKey;
  const nets = remoteLans.map(parseCidr).flatMap((r) => (r.ok ? [r.cidr] : []));
  const byLan = dump.peers.find((p) => p.allowedIps.some((a) => {
    const c = parseCidr(a);
    return c.ok && nets.some((n) => cidrsOverlap(n, c.cidr));
  }));
  return byLan ?? dump.peers[0];
}

/** Seconds since the peer's latest handshake on the gateway's clock; undefined = never. */
export function handshakeAge(sample: StatusSample, peer: WgPeer | undefined): number | undefined {
  return peer && peer.latestHandshake > 0 ? Math.max(0, sample.clock - peer.latestHandshake) : undefined;
}

const check = (id: CheckId, title: string, status: CheckStatus, detail: string, hint?: string): Check => ({ id, title, status, detail, ...(status !== "green" && hint ? { hint } : {}) });

/**
 * Which other site a check list is about, with more than two sites: `peer` is that site, `via` the
 * hub whose peer entry carries it (a spoke to another spoke); the peer sample is then the hub's.
 */
export type PairOf = { readonly peer: number; readonly via?: number };

/**
 * Judges one gateway from its latest sample and the other gateway's (whose own public key is the
 * one this gateway's peer entry must hold). Pure: the same samples give the same checks.
 */
export function checks(site: Site, index: number, sample: StatusSample, peerSample?: StatusSample, pair?: PairOf): Check[] {
  const self = site.sites[index]!;
  const otherIndex = pair ? pair.peer : index === 0 ? 1 : 0;
  const other = site.sites[otherIndex]!;
  // The site whose peer entry carries the traffic: the other site, or the hub in between.
  const link = pair?.via !== undefined ? site.sites[pair.via]! : other;
  const iface = self.interface;
  const systemd = sample.init !== "openrc";
  const unitName = systemd ? `wg-quick@${iface}` : `wg-quick.${iface}`;
  const start = systemd ? `systemctl start ${unitName}` : `rc-service ${unitName} start`;
  const expectedKey = peerSample?.wg?.publicKey;
  const peer = findPeer(sample.wg, expectedKey, link.lan.map((l) => l.text));
  const age = handshakeAge(sample, peer);
  const fresh = age !== undefined && age <= HANDSHAKE_STALE_SEC;
  const missing = !sample.wg || !sample.link;
  const noInterface = `${iface} does not exist: ${start} (wgsite apply if it was never set up)`;
  const out: Check[] = [];

  // Unit and interface.
  const { enabled, active } = sample.unit;
  const unitDetail = `${active ? "active" : "inactive"}, ${enabled ? "enabled" : "disabled"}`;
  const enable = systemd ? `systemctl enable ${unitName}` : `rc-update add ${unitName} default`;
  out.push(
    !active
      ? check("unit", "unit", "red", unitDetail, enabled ? start : systemd ? `systemctl enable --now ${unitName}` : `${enable} && ${start}`)
      : check("unit", "unit", enabled ? "green" : "yellow", unitDetail, `${enable}: otherwise the tunnel stays down after a reboot`),
  );
  out.push(
    !sample.link
      ? check("interface", "interface", "red", `${iface} missing`, noInterface)
      : !sample.link.up
        ? check("interface", "interface", "red", `${iface} down`, `ip link set ${iface} up, or ${systemd ? `systemctl restart ${unitName}` : `rc-service ${unitName} restart`}`)
        : !sample.wg
          ? check("interface", "interface", "red", `${iface} is not WireGuard`, `wg show ${iface} fails: check wireguard-tools, then ${systemd ? `systemctl restart ${unitName}` : `rc-service ${unitName} restart`}`)
          : check("interface", "interface", "green", `${iface} up${sample.link.mtu ? `, mtu ${sample.link.mtu}` : ""}`),
  );

  // The peer entry against the site file and the other gateway.
  if (missing) {
    out.push(check("peer-key", "peer key", "red", `no ${iface}`, noInterface));
    out.push(check("endpoint", "endpoint", "red", `no ${iface}`, noInterface));
    out.push(check("handshake", "handshake", "red", `no ${iface}`, noInterface));
  } else {
    out.push(peerKeyCheck(site, index, peer, expectedKey, link));
    out.push(endpointCheck(site, index, sample, peer, fresh, link));
    const port = link.endpoint.port;
    const reach =
      link.endpoint.host === undefined
        ? `${link.name} has endpoint: none, so it must reach ${self.name} at ${self.endpoint.host ?? "?"}:${self.endpoint.port} (its keepalive opens the way)`
        : `UDP ${port} from ${self.name} must reach ${link.name} at ${link.endpoint.host}:${port} (firewall, port forwarding)`;
    out.push(
      fresh
        ? check("handshake", "handshake", "green", formatAge(age))
        : check("handshake", "handshake", "red", age === undefined ? "never" : `stale, ${formatAge(age)}`, `${reach} and both keys must match: wgsite apply`),
    );
  }

  // Routing and forwarding on this gateway.
  out.push(routeCheck(site, index, sample, other));
  out.push(
    !sample.ipForward.runtime
      ? check("ip-forward", "ip_forward", "red", "0", `sysctl -w net.ipv4.ip_forward=1 (wgsite apply also persists it in ${sysctlPath(iface)})`)
      : sample.ipForward.persisted
        ? check("ip-forward", "ip_forward", "green", "1, persisted")
        : check("ip-forward", "ip_forward", "yellow", "1, not persisted", `lost at reboot: wgsite apply writes ${sysctlPath(iface)}`),
  );
  if (sample.ip6Forward) {
    const f6 = sample.ip6Forward;
    out.push(
      !f6.runtime
        ? check("ip6-forward", "IPv6 forwarding", "red", "0", `the LANs are dual-stack: sysctl -w net.ipv6.conf.all.forwarding=1 (wgsite apply also persists it in ${sysctlPath(iface)})`)
        : f6.persisted
          ? check("ip6-forward", "IPv6 forwarding", "green", "1, persisted")
          : check("ip6-forward", "IPv6 forwarding", "yellow", "1, not persisted", `lost at reboot: wgsite apply writes ${sysctlPath(iface)}`),
    );
  }
  const rp = Math.max(sample.rpFilter.all, sample.rpFilter.iface ?? sample.rpFilter.default);
  out.push(
    rp === 1
      ? check("rp-filter", "rp_filter", "yellow", "1 (strict)", `asymmetric routes get dropped: wgsite apply sets it loose, or now: sysctl -w net.ipv4.conf.${iface}.rp_filter=2 (the kernel uses max(all, ${iface}))`)
      : check("rp-filter", "rp_filter", "green", rp === 2 ? "2 (loose)" : "0 (off)"),
  );
  const local = lanPresence(sample.addresses, self.lan);
  const { iptables, nft } = sample.firewall;
  const nat = interSiteNat(iptables, nft, self.lan, other.lan, iface);
  if (nat) {
    const src = self.lan[0]!.text;
    const dst = other.lan[0]!.text;
    const fix =
      nat.backend === "iptables"
        ? `iptables -t nat -I POSTROUTING -s ${src} -d ${dst} -j RETURN`
        : `nft insert rule ${nat.table} ${nat.chain} ip saddr ${src} ip daddr ${dst} return`;
    out.push(check("nat", "NAT", "red", `${nat.rule.target} catches it`, `inter-site traffic must not be NATed (${nat.rule.rule.trim()}): wgsite apply exempts it, or now: ${fix}`));
  } else {
    out.push(check("nat", "NAT", "green", `none toward ${other.name}`));
  }
  const dropped = forwardPaths({ iptables, nft, wgInterface: iface, ...(local ? { lanInterface: local.dev } : {}), localLans: self.lan, remoteLans: other.lan }).find((p) => p.verdict === "drop");
  if (dropped && sample.firewall.firewalld) {
    const zone = local ? `"$(firewall-cmd --get-zone-of-interface=${local.dev})"` : `"$(firewall-cmd --get-default-zone)"`;
    out.push(
      check(
        "forward",
        "FORWARD",
        "red",
        `firewalld drops ${dropped.from} -> ${dropped.to}`,
        `firewalld forwards only between interfaces of one zone and ${iface} is not in ${local ? `${local.dev}'s` : "the default"} zone (dropped by: ${dropped.by}); wgsite apply or systemctl restart wg-quick@${iface} binds it again, or now: firewall-cmd --zone=${zone} --add-interface=${iface}`,
      ),
    );
  } else if (dropped) {
    const fix =
      dropped.at?.backend === "nftables"
        ? `nft insert rule ${dropped.at.table} ${dropped.at.chain} iifname "${iface}" accept; nft insert rule ${dropped.at.table} ${dropped.at.chain} oifname "${iface}" accept`
        : `iptables -I ${dropped.at?.chain ?? "FORWARD"} -i ${iface} -j ACCEPT; iptables -I ${dropped.at?.chain ?? "FORWARD"} -o ${iface} -j ACCEPT`;
    out.push(check("forward", "FORWARD", "red", `drops ${dropped.from} -> ${dropped.to}`, `dropped by: ${dropped.by}; wgsite apply adds accepts for ${iface}, or now: ${fix}`));
  } else {
    out.push(check("forward", "FORWARD", "green", `accepts ${local?.dev ?? "LAN"} <-> ${iface}`));
  }

  // Traffic through the tunnel.
  const peerTunnel = transferAddress(site, otherIndex);
  const tp = sample.tunnelPing;
  out.push(
    tp.received > 0 && tp.rtt
      ? check("tunnel-ping", "tunnel ping", "green", `${peerTunnel} ${formatMs(tp.rtt.avg)}`)
      : check("tunnel-ping", "tunnel ping", "red", `${peerTunnel} no answer`, `${other.name}'s ${other.interface} (${peerTunnel}) does not answer${fresh ? "" : " and there is no fresh handshake"}: check ${other.name} (ip addr show ${other.interface}; its firewall INPUT)`),
  );
  if (sample.tunnelPing6) {
    const tp6 = sample.tunnelPing6;
    const peerTunnel6 = transferAddress6(site, otherIndex) ?? "";
    out.push(
      tp6.received > 0 && tp6.rtt
        ? check("tunnel-ping6", "tunnel ping IPv6", "green", `${peerTunnel6} ${formatMs(tp6.rtt.avg)}`)
        : check("tunnel-ping6", "tunnel ping IPv6", "red", `${peerTunnel6} no answer`, `${other.name}'s ${other.interface} has no ${peerTunnel6} or does not answer over IPv6: wgsite apply writes it (tunnel.network6); check ${other.name}'s ip6tables INPUT`),
    );
  }
  const remoteAddr = sample.routes[0]?.to;
  const noLocal = `give ${self.name} an address in ${self.lan.map((l) => l.text).join(", ")}: the routed path is tested from it`;
  if (!local || !sample.lanPing) {
    out.push(check("lan-ping", "LAN ping", "yellow", "no LAN address", noLocal));
  } else {
    const lp = sample.lanPing;
    out.push(
      lp.received > 0 && lp.rtt
        ? check("lan-ping", "LAN ping", "green", `${remoteAddr ?? ""} ${formatMs(lp.rtt.avg)}`.trim())
        : check("lan-ping", "LAN ping", "red", `${remoteAddr ?? "remote LAN"} no answer`, `${local.address} -> ${remoteAddr} fails: on ${other.name}, ip route get ${local.address} must go via ${other.interface}; check its AllowedIPs and INPUT rules`),
    );
  }
  if (sample.lanPing6) {
    const lp = sample.lanPing6;
    out.push(
      lp.received > 0 && lp.rtt
        ? check("lan-ping6", "LAN ping IPv6", "green", formatMs(lp.rtt.avg))
        : check("lan-ping6", "LAN ping IPv6", "red", "no answer", `IPv6 from ${self.name}'s LAN to ${other.name}'s fails: both gateways need net.ipv6.conf.all.forwarding=1 and ${other.name}'s IPv6 LAN in ${self.interface}'s AllowedIPs: wgsite apply`),
    );
  }
  const host = lanHostCheck(site, index, sample, other);
  if (host) out.push(host);
  if (sample.mtuPing) out.push(mtuPingCheck(self, sample.mtuPing, local?.address, remoteAddr));
  out.push(mtuCheck(site, index, sample));
  out.push(latencyCheck(site, index, sample, !local, other));
  const keyAge = keyAgeCheck(site, sample);
  if (keyAge) out.push(keyAge);
  return out;
}

/** Small pings pass a hop that drops big packets silently; bulk transfers then stall: a full-MTU ping finds it. */
function mtuPingCheck(self: SiteDef, p: NonNullable<StatusSample["mtuPing"]>, from: string | undefined, to: string | undefined): Check {
  if (p.unsupported) return check("mtu-ping", "full-MTU ping", "yellow", "not checked", "this gateway's ping cannot set don't fragment (-M do): install iputils-ping to check the full-MTU path");
  return p.ok
    ? check("mtu-ping", "full-MTU ping", "green", `${p.mtu} bytes, don't fragment`)
    : check("mtu-ping", "full-MTU ping", "red", `${p.mtu} bytes do not cross`, `${from ?? "LAN"} -> ${to ?? "remote LAN"}: the path is narrower than ${self.interface}'s MTU ${p.mtu}; set tunnel.mtu lower, or apply again to measure it`);
}

function peerKeyCheck(site: Site, index: number, peer: WgPeer | undefined, expectedKey: string | undefined, other: SiteDef = peerOf(site, index)): Check {
  const self = site.sites[index]!;
  if (!peer) return check("peer-key", "peer key", "red", "no peer", `${self.interface} has no peer: wgsite apply`);
  if (!expectedKey) return check("peer-key", "peer key", "yellow", `${shortKey(peer.publicKey)} (not compared)`, `compared once ${other.name} answers with its own key`);
  if (peer.publicKey === expectedKey) return check("peer-key", "peer key", "green", `matches ${other.name}`);
  return check(
    "peer-key",
    "peer key",
    "red",
    `${shortKey(peer.publicKey)} is not ${other.name}'s`,
    `${self.name}'s peer entry holds ${shortKey(peer.publicKey)}, ${other.name}'s key is ${shortKey(expectedKey)}: wgsite apply rewrites /etc/wireguard/${self.interface}.conf (file already right: systemctl restart wg-quick@${self.interface})`,
  );
}

function endpointCheck(site: Site, index: number, sample: StatusSample, peer: WgPeer | undefined, fresh: boolean, other: SiteDef = peerOf(site, index)): Check {
  const want = other.endpoint;
  if (want.host === undefined) {
    // endpoint: none: the peer reaches out, and its address is wherever its handshakes come from.
    return peer?.endpoint
      ? check("endpoint", "endpoint", "green", `${peer.endpoint} (learned: endpoint none)`)
      : check("endpoint", "endpoint", "yellow", "not yet known", `${other.name} has endpoint: none; it is learned once ${other.name} reaches out (PersistentKeepalive)`);
  }
  const wantText = `${want.host.includes(":") ? `[${want.host}]` : want.host}:${want.port}`;
  const fix = `wgsite apply sets Endpoint = ${wantText} (sites.${other.name}.endpoint)`;
  if (!peer?.endpoint) return check("endpoint", "endpoint", "red", "none", fix);
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(peer.endpoint);
  const host = m?.[1] ?? peer.endpoint;
  const port = Number(m?.[2]);
  if (!isAddressLiteral(want.host)) return nameEndpointCheck(site, index, sample, peer, host, port, fresh, other);
  // One spelling per address: wg prints IPv6 compressed and lower case, a site file may not.
  const same = (x: string, y: string) => (parseAddress(x)?.toString() ?? x) === (parseAddress(y)?.toString() ?? y);
  if (same(host, want.host) && port === want.port) return check("endpoint", "endpoint", "green", peer.endpoint);
  // A working tunnel from another address is a peer behind NAT: worth knowing, not broken.
  return check("endpoint", "endpoint", fresh ? "yellow" : "red", `${peer.endpoint}, not ${wantText}`, fresh ? `${other.name} talks from ${peer.endpoint} (NAT?); update sites.${other.name}.endpoint if that is its address` : fix);
}

/**
 * An endpoint given by DNS name: the name, what it resolves to on the gateway now and what the
 * interface uses. They differ after the peer moved: red while the tunnel is down, with the command
 * the re-resolve job (core/reresolve.ts) would run, which should do it by itself within a minute.
 */
function nameEndpointCheck(site: Site, index: number, sample: StatusSample, peer: WgPeer, host: string, port: number, fresh: boolean, other: SiteDef = peerOf(site, index)): Check {
  const self = site.sites[index]!;
  const name = other.endpoint.host!;
  const iface = self.interface;
  const systemd = sample.init !== "openrc";
  const job = systemd ? timerUnit(iface) : openrcService(iface);
  const resolved = sample.heavy?.resolved;
  const noJob = sample.heavy?.reresolveJob === false;
  const jobFix = `wgsite apply installs ${job}, which follows ${name} when the handshake is stale`;
  if (!resolved) return check("endpoint", "endpoint", "green", `${name} = ${peer.endpoint}`);
  if (resolved.length === 0) {
    return check("endpoint", "endpoint", fresh ? "yellow" : "red", `${name} does not resolve`, `${self.name} cannot resolve ${name} (getent ahosts ${name}): check /etc/resolv.conf and the name's DNS record; ${iface} keeps ${peer.endpoint}`);
  }
  const now = resolved[0]!;
  const nowText = `${now.includes(":") ? `[${now}]` : now}:${other.endpoint.port}`;
  if (resolved.includes(host)) {
    return noJob
      ? check("endpoint", "endpoint", "yellow", `${name} = ${peer.endpoint}, no re-resolve job`, `an address change of ${name} would go unnoticed until ${iface} restarts: ${jobFix}`)
      : check("endpoint", "endpoint", "green", `${name} = ${peer.endpoint}`);
  }
  const detail = `${name} is ${now}, ${iface} uses ${peer.endpoint}`;
  // A fresh handshake from another address: the peer roamed or is behind NAT; the tunnel works.
  if (fresh) return check("endpoint", "endpoint", "yellow", detail, `${other.name} talks from ${peer.endpoint} while ${name} is ${resolved.join(", ")}: NAT, or the DNS record is out of date`);
  const now_ = `wg set ${iface} peer ${peer.publicKey} endpoint ${nowText}`;
  return check(
    "endpoint",
    "endpoint",
    "red",
    detail,
    noJob
      ? `${name} moved and nothing follows it: ${jobFix}; or now: ${now_}`
      : `${name} moved to ${now}: ${job} sets it once the handshake is ${STALE_AFTER_SEC} s old (journalctl -u ${serviceUnit(iface)}); or now: ${now_}`,
  );
}

function routeCheck(site: Site, index: number, sample: StatusSample, other: SiteDef = peerOf(site, index)): Check {
  const self = site.sites[index]!;
  const iface = self.interface;
  const wrong = sample.routes.find((r) => !r.route.ok || r.route.dev !== iface || r.route.type !== undefined);
  if (sample.routes.length > 0 && !wrong) return check("route", "route", "green", `${sample.routes[0]!.to} via ${iface}`);
  const lans = other.lan.map((l) => l.text).join(", ");
  const fix = `${lans} must route via ${iface}: ${sample.init === "openrc" ? `rc-service wg-quick.${iface} restart` : `systemctl restart wg-quick@${iface}`} (wg-quick adds routes for AllowedIPs); remove a conflicting route (ip route show ${other.lan[0]!.text})`;
  if (!wrong) return check("route", "route", "red", "not probed", fix);
  return check("route", "route", "red", wrong.route.ok ? `${wrong.to} via ${wrong.route.dev}` : `${wrong.to}: ${wrong.route.error}`, fix);
}

/**
 * Hosts heard on the other LAN, pinged from this LAN's address: the path a LAN host's traffic takes,
 * through the other gateway's forwarding and the host's route back. No row while none was heard; a
 * silent host is yellow, since many hosts ignore pings.
 */
function lanHostCheck(site: Site, index: number, sample: StatusSample, other: SiteDef = peerOf(site, index)): Check | undefined {
  const pings = sample.heavy?.lanHosts;
  if (!pings || pings.length === 0) return undefined;
  const answered = pings.find((p) => p.answered);
  if (answered) return check("lan-host", "LAN host", "green", `${answered.address}${answered.rttMs === undefined ? "" : ` ${formatMs(answered.rttMs)}`}`);
  const gateway = sample.routes[0]?.to ?? `${other.name}'s gateway`;
  return check(
    "lan-host",
    "LAN host",
    "yellow",
    `${pings.map((p) => p.address).join(", ")} no answer`,
    `hosts heard on ${other.name}'s LAN do not answer: if they answer pings at all, their route back to ${site.sites[index]!.lan.map((l) => l.text).join(", ")} must go via ${gateway} (the LAN's default router, or a static route)`,
  );
}

const DAY_SEC = 86_400;

/** Only with keys.maxAgeDays in the site file: yellow once the private key is older (the key's own file says when it was made). */
function keyAgeCheck(site: Site, sample: StatusSample): Check | undefined {
  const limit = site.keys?.maxAgeDays;
  if (limit === undefined || sample.keyMadeAt === undefined) return undefined;
  const days = Math.max(0, Math.floor((sample.clock - sample.keyMadeAt) / DAY_SEC));
  const detail = `${days} day${days === 1 ? "" : "s"} old (limit ${limit})`;
  return check("key-age", "key age", days > limit ? "yellow" : "green", detail, "wgsite rotate -c <site file> makes new keys on both gateways, taken live");
}

function mtuCheck(site: Site, index: number, sample: StatusSample): Check {
  const iface = site.sites[index]!.interface;
  const probe = sample.heavy?.pathMtu;
  if (!sample.heavy) return check("mtu", "path MTU", "yellow", "pending", "measured with the next full probe (press r)");
  if (!probe || probe.pathMtu === undefined) return check("mtu", "path MTU", "yellow", "not measured", `needs answers through ${iface} (see tunnel ping)`);
  if (probe.pathMtu >= probe.interfaceMtu) return check("mtu", "path MTU", "green", `${probe.pathMtu} (= ${iface} mtu)`);
  // Packets between the two sizes are lost: bulk transfers stall while pings pass.
  return check(
    "mtu",
    "path MTU",
    "red",
    `${probe.pathMtu} < ${iface} mtu ${probe.interfaceMtu}`,
    `the path shrank: wgsite apply measures it again and sets the MTU (with tunnel.mtu unset), or set tunnel.mtu: ${probe.pathMtu}; tunnel.clampMss: true helps LAN hosts that ignore path MTU`,
  );
}

function latencyCheck(site: Site, index: number, sample: StatusSample, noLocal: boolean, other: SiteDef = peerOf(site, index)): Check {
  const self = site.sites[index]!;
  if (noLocal) return check("latency", "latency", "yellow", "no LAN address", `give ${self.name} an address in ${self.lan.map((l) => l.text).join(", ")}: latency is measured from it`);
  const lat = sample.heavy?.latency;
  if (!sample.heavy || !lat) return check("latency", "latency", "yellow", "pending", "measured with the next full probe (press r)");
  const detail = `${lat.rtt ? `${formatMs(lat.rtt.avg)}, ` : ""}${lat.lossPct} % loss`;
  const hint = `${lat.lossPct} % of ${lat.sent} pings to ${other.name}'s LAN lost: check the path between ${self.endpoint.host ?? self.name} and ${other.endpoint.host ?? other.name}${other.endpoint.host ? ` (mtr -n ${other.endpoint.host})` : ""}`;
  if (lat.received === 0) return check("latency", "latency", "red", detail, hint);
  return check("latency", "latency", lat.lossPct > 0 ? "yellow" : "green", detail, hint);
}
