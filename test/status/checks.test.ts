import assert from "node:assert/strict";
import { test } from "node:test";
import { checks, type Check } from "../../src/status/checks.ts";
import type { StatusSample } from "../../src/status/sample.ts";
import { probeTargets } from "../../src/status/targets.ts";
import { parseNftRuleset } from "../../src/core/rules/nft-ruleset.ts";
import { parseStatus, statusScript } from "../../src/status/probe.ts";
import { CAPTURE_TARGETS } from "../fixtures/status/status-scripts.ts";
import { BETA_KEY, captureSite, fixture, tick } from "./helpers.ts";

const site = captureSite();

/** A captured tick as a converged gateway would report it: unit enabled and active, ip_forward on and persisted. */
function healthy(sample: StatusSample): StatusSample {
  return { ...sample, init: "systemd", unit: { enabled: true, active: true }, ipForward: { runtime: true, persisted: true } };
}

const alpha = healthy(tick("tick-alpha-heavy.txt"));
const beta = healthy(tick("tick-beta-heavy.txt"));
/** Light ticks carry the heavy probes of the last heavy one, as the pane does. */
const withHeavy = (sample: StatusSample): StatusSample => ({ ...healthy(sample), heavy: alpha.heavy! });

const one = (list: readonly Check[], id: Check["id"]) => list.find((c) => c.id === id);
const others = (list: readonly Check[], id: Check["id"]) => list.filter((c) => c.id !== id).map((c) => [c.id, c.status]);
const allGreen = (list: readonly Check[]) => list.map((c) => [c.id, "green"]);

test("all green: every check of a converged gateway, in order, with what was found", () => {
  assert.deepEqual(checks(site, 0, alpha, beta), [
    { id: "unit", title: "unit", status: "green", detail: "active, enabled" },
    { id: "interface", title: "interface", status: "green", detail: "wgA up, mtu 1420" },
    { id: "peer-key", title: "peer key", status: "green", detail: "matches beta" },
    { id: "endpoint", title: "endpoint", status: "green", detail: "192.0.2.12:51000" },
    { id: "handshake", title: "handshake", status: "green", detail: "2 s ago" },
    { id: "route", title: "route", status: "green", detail: "10.10.11.1 via wgA" },
    { id: "ip-forward", title: "ip_forward", status: "green", detail: "1, persisted" },
    { id: "rp-filter", title: "rp_filter", status: "green", detail: "0 (off)" },
    { id: "nat", title: "NAT", status: "green", detail: "none toward beta" },
    { id: "forward", title: "FORWARD", status: "green", detail: "accepts lan0 <-> wgA" },
    { id: "tunnel-ping", title: "tunnel ping", status: "green", detail: "10.10.9.1 0.4 ms" },
    { id: "lan-ping", title: "LAN ping", status: "green", detail: "10.10.11.1 0.9 ms" },
    { id: "mtu", title: "path MTU", status: "green", detail: "1420 (= wgA mtu)" },
    { id: "latency", title: "latency", status: "green", detail: "0.9 ms, 0 % loss" },
  ]);
  const b = checks(site, 1, beta, alpha);
  assert.deepEqual(b.map((c) => [c.id, c.status]), allGreen(b));
});

test("ip_forward 0 (real capture from beta): red, with the sysctl that fixes it", () => {
  const list = checks(site, 1, { ...tick("tick-beta-heavy.txt"), init: "systemd", unit: { enabled: true, active: true } }, alpha);
  assert.deepEqual(one(list, "ip-forward"), {
    id: "ip-forward",
    title: "ip_forward",
    status: "red",
    detail: "0",
    hint: "sysctl -w net.ipv4.ip_forward=1 (wgsite apply also persists it in /etc/sysctl.d/99-wgsite-wgB.conf)",
  });
  assert.deepEqual(others(list, "ip-forward"), allGreen(list).filter(([id]) => id !== "ip-forward"));
});

test("ip_forward on but not persisted: yellow", () => {
  assert.deepEqual(one(checks(site, 0, { ...alpha, ipForward: { runtime: true, persisted: false } }, beta), "ip-forward"), {
    id: "ip-forward",
    title: "ip_forward",
    status: "yellow",
    detail: "1, not persisted",
    hint: "lost at reboot: wgsite apply writes /etc/sysctl.d/99-wgsite-wgA.conf",
  });
});

test("unit inactive: red, start it; disabled too: enable --now; active but disabled: yellow", () => {
  const stopped = checks(site, 0, { ...alpha, unit: { enabled: true, active: false } }, beta);
  assert.deepEqual(one(stopped, "unit"), { id: "unit", title: "unit", status: "red", detail: "inactive, enabled", hint: "systemctl start wg-quick@wgA" });
  assert.deepEqual(others(stopped, "unit"), allGreen(stopped).filter(([id]) => id !== "unit"));
  assert.deepEqual(one(checks(site, 0, { ...alpha, unit: { enabled: false, active: false } }, beta), "unit")?.hint, "systemctl enable --now wg-quick@wgA");
  assert.deepEqual(one(checks(site, 0, { ...alpha, unit: { enabled: false, active: true } }, beta), "unit"), {
    id: "unit",
    title: "unit",
    status: "yellow",
    detail: "active, disabled",
    hint: "systemctl enable wg-quick@wgA: otherwise the tunnel stays down after a reboot",
  });
  assert.equal(one(checks(site, 0, { ...alpha, init: "openrc", unit: { enabled: true, active: false } }, beta), "unit")?.hint, "rc-service wg-quick.wgA start");
});

test("a stopped unit on a real gateway: interface gone, so the peer checks say why", () => {
  const gone: StatusSample = { ...alpha, unit: { enabled: true, active: false }, wg: undefined, link: undefined };
  const list = checks(site, 0, gone, beta);
  const hint = "wgA does not exist: systemctl start wg-quick@wgA (wgsite apply if it was never set up)";
  assert.deepEqual(one(list, "interface"), { id: "interface", title: "interface", status: "red", detail: "wgA missing", hint });
  assert.deepEqual(one(list, "handshake"), { id: "handshake", title: "handshake", status: "red", detail: "no wgA", hint });
});

test("MASQUERADE catching inter-site traffic (real capture): red, with the exemption to insert", () => {
  const list = checks(site, 0, withHeavy(tick("tick-alpha-firewall.txt")), beta);
  assert.deepEqual(one(list, "nat"), {
    id: "nat",
    title: "NAT",
    status: "red",
    detail: "MASQUERADE catches it",
    hint: "inter-site traffic must not be NATed (-A POSTROUTING -s 10.10.10.0/24 -j MASQUERADE): wgsite apply exempts it, or now: iptables -t nat -I POSTROUTING -s 10.10.10.0/24 -d 10.10.11.0/24 -j RETURN",
  });
  // The same capture's FORWARD has policy DROP but accepts wgA both ways: green.
  assert.deepEqual(one(list, "forward"), { id: "forward", title: "FORWARD", status: "green", detail: "accepts lan0 <-> wgA" });
});

test("FORWARD policy DROP with nothing for the tunnel (real capture): red, with the accept rules to insert", () => {
  const list = checks(site, 0, withHeavy(tick("tick-alpha-forward-drop.txt")), beta);
  assert.deepEqual(one(list, "forward"), {
    id: "forward",
    title: "FORWARD",
    status: "red",
    detail: "drops lan0 -> wgA",
    hint: "dropped by: FORWARD policy drop; wgsite apply adds accepts for wgA, or now: iptables -I FORWARD -i wgA -j ACCEPT; iptables -I FORWARD -o wgA -j ACCEPT",
  });
});

test("FORWARD drop under native nftables: the hint inserts into that table's chain", () => {
  const sample: StatusSample = { ...alpha, firewall: { iptables: { tables: {} }, nft: { chains: [{ family: "inet", table: "filter", name: "forward", type: "filter", hook: "forward", priority: "filter", policy: "drop", rules: [] }] } } };
  assert.equal(
    one(checks(site, 0, sample, beta), "forward")?.hint,
    "dropped by: forward policy drop; wgsite apply adds accepts for wgA, or now: nft insert rule inet filter forward iifname \"wgA\" accept; nft insert rule inet filter forward oifname \"wgA\" accept",
  );
});

test("firewalld: wgA taken out of the LAN's zone (real ruleset) is red, naming the zone and the firewall-cmd that binds it again", () => {
  // The lab's LAN interface is eth1; this sample's is lan0.
  const under = (file: string): StatusSample => ({ ...alpha, firewall: { iptables: { tables: {} }, nft: parseNftRuleset(fixture(file).replaceAll('"eth1"', '"lan0"')), firewalld: true } });
  assert.deepEqual(one(checks(site, 0, under("nft-firewalld-zoned.txt"), beta), "forward"), { id: "forward", title: "FORWARD", status: "green", detail: "accepts lan0 <-> wgA" });
  assert.deepEqual(one(checks(site, 0, under("nft-firewalld-unzoned.txt"), beta), "forward"), {
    id: "forward",
    title: "FORWARD",
    status: "red",
    detail: "firewalld drops lan0 -> wgA",
    hint: 'firewalld forwards only between interfaces of one zone and wgA is not in lan0\'s zone (dropped by: reject with icmpx admin-prohibited); wgsite apply or systemctl restart wg-quick@wgA binds it again, or now: firewall-cmd --zone="$(firewall-cmd --get-zone-of-interface=lan0)" --add-interface=wgA',
  });
});

test("LAN host: a host heard on beta's LAN that answers is green; silent hosts are yellow with the route back they need; none heard, no row", () => {
  const pinged = (lanHosts: { address: string; answered: boolean; rttMs?: number }[]): StatusSample => ({ ...alpha, heavy: { ...alpha.heavy!, lanHosts } });
  assert.deepEqual(one(checks(site, 0, pinged([{ address: "10.10.11.20", answered: false }, { address: "10.10.11.10", answered: true, rttMs: 0.7 }]), beta), "lan-host"), {
    id: "lan-host",
    title: "LAN host",
    status: "green",
    detail: "10.10.11.10 0.7 ms",
  });
  const silent = one(checks(site, 0, pinged([{ address: "10.10.11.10", answered: false }]), beta), "lan-host");
  assert.equal(silent?.status, "yellow");
  assert.equal(silent?.detail, "10.10.11.10 no answer");
  assert.match(silent?.hint ?? "", /their route back to 10\.10\.10\.0\/24 must go via 10\.10\.11\.1 \(the LAN's default router, or a static route\)$/);
  assert.equal(one(checks(site, 0, alpha, beta), "lan-host"), undefined);
  const order = checks(site, 0, pinged([{ address: "10.10.11.10", answered: true, rttMs: 0.7 }]), beta).map((c) => c.id);
  assert.deepEqual(order.slice(order.indexOf("lan-ping"), order.indexOf("lan-ping") + 3), ["lan-ping", "lan-host", "mtu"]);
});

test("wrong peer key: red, names both keys and the file apply rewrites", () => {
  const other: StatusSample = { ...beta, wg: { ...beta.wg!, publicKey: "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=" } };
  const list = checks(site, 0, alpha, other);
  assert.deepEqual(one(list, "peer-key"), {
    id: "peer-key",
    title: "peer key",
    status: "red",
    detail: "+dabEHFI…k1E= is not beta's",
    hint: "alpha's peer entry holds +dabEHFI…k1E=, beta's key is hSDwCYkw…Tmo=: wgsite apply rewrites /etc/wireguard/wgA.conf (file already right: systemctl restart wg-quick@wgA)",
  });
  assert.deepEqual(one(checks(site, 0, alpha, undefined), "peer-key"), {
    id: "peer-key",
    title: "peer key",
    status: "yellow",
    detail: "+dabEHFI…k1E= (not compared)",
    hint: "compared once beta answers with its own key",
  });
});

test("stale handshake: red past 180 s, never: red", () => {
  const later = checks(site, 0, { ...alpha, clock: alpha.clock + 400 }, beta);
  assert.deepEqual(one(later, "handshake"), {
    id: "handshake",
    title: "handshake",
    status: "red",
    detail: "stale, 7 min ago",
    hint: "UDP 51000 from alpha must reach beta at 192.0.2.12:51000 (firewall, port forwarding) and both keys must match: wgsite apply",
  });
  const never: StatusSample = { ...alpha, wg: { ...alpha.wg!, peers: [{ ...alpha.wg!.peers[0]!, latestHandshake: 0 }] } };
  assert.equal(one(checks(site, 0, never, beta), "handshake")?.detail, "never");
  assert.equal(one(checks(site, 0, { ...alpha, clock: alpha.clock + 177 }, beta), "handshake")?.status, "green");
});

test("endpoint: an IPv6 endpoint written another way in the site file is the same address as wg's", () => {
  const peer = alpha.wg!.peers[0]!;
  const v6site = { ...site, sites: site.sites.map((d, i) => (i === 1 ? { ...d, endpoint: { ...d.endpoint, host: "2001:DB8:0:0::12" } } : d)) };
  const sample: StatusSample = { ...alpha, wg: { ...alpha.wg!, peers: [{ ...peer, endpoint: "[2001:db8::12]:51000" }] } };
  assert.deepEqual(one(checks(v6site, 0, sample, beta), "endpoint"), { id: "endpoint", title: "endpoint", status: "green", detail: "[2001:db8::12]:51000" });
});

test("endpoint: none is red; another address with a fresh handshake is yellow (NAT)", () => {
  const peer = alpha.wg!.peers[0]!;
  const none: StatusSample = { ...alpha, wg: { ...alpha.wg!, peers: [{ ...peer, endpoint: undefined }] } };
  assert.deepEqual(one(checks(site, 0, none, beta), "endpoint"), { id: "endpoint", title: "endpoint", status: "red", detail: "none", hint: "wgsite apply sets Endpoint = 192.0.2.12:51000 (sites.beta.endpoint)" });
  const natted: StatusSample = { ...alpha, wg: { ...alpha.wg!, peers: [{ ...peer, endpoint: "203.0.113.9:40000" }] } };
  assert.deepEqual(one(checks(site, 0, natted, beta), "endpoint"), {
    id: "endpoint",
    title: "endpoint",
    status: "yellow",
    detail: "203.0.113.9:40000, not 192.0.2.12:51000",
    hint: "beta talks from 203.0.113.9:40000 (NAT?); update sites.beta.endpoint if that is its address",
  });
});

test("route via another device: red, restart the unit (it adds the AllowedIPs routes)", () => {
  const list = checks(site, 0, { ...alpha, routes: [{ to: "10.10.11.1", route: { ok: true, dev: "vA", src: "192.0.2.11" } }] }, beta);
  assert.deepEqual(one(list, "route"), {
    id: "route",
    title: "route",
    status: "red",
    detail: "10.10.11.1 via vA",
    hint: "10.10.11.0/24 must route via wgA: systemctl restart wg-quick@wgA (wg-quick adds routes for AllowedIPs); remove a conflicting route (ip route show 10.10.11.0/24)",
  });
});

test("path MTU below the interface's (real capture of a black hole): red, with the apply that measures it again", () => {
  const list = checks(site, 0, healthy(tick("tick-alpha-mtu-blackhole.txt")), beta);
  assert.deepEqual(one(list, "mtu"), {
    id: "mtu",
    title: "path MTU",
    status: "red",
    detail: "1328 < wgA mtu 1420",
    hint: "the path shrank: wgsite apply measures it again and sets the MTU (with tunnel.mtu unset), or set tunnel.mtu: 1328; tunnel.clampMss: true helps LAN hosts that ignore path MTU",
  });
});

test("strict rp_filter: yellow; loose: green", () => {
  assert.deepEqual(one(checks(site, 0, { ...alpha, rpFilter: { all: 1, default: 1, iface: 0, persisted: false } }, beta), "rp-filter"), {
    id: "rp-filter",
    title: "rp_filter",
    status: "yellow",
    detail: "1 (strict)",
    hint: "asymmetric routes get dropped: wgsite apply sets it loose, or now: sysctl -w net.ipv4.conf.wgA.rp_filter=2 (the kernel uses max(all, wgA))",
  });
  assert.equal(one(checks(site, 0, { ...alpha, rpFilter: { all: 1, default: 1, iface: 2, persisted: true } }, beta), "rp-filter")?.status, "green");
});

test("pings that get no answer: tunnel ping red, LAN ping red, loss red", () => {
  const lost = { sent: 1, received: 0, lossPct: 100 };
  const list = checks(site, 0, { ...alpha, tunnelPing: lost, lanPing: lost, heavy: { ...alpha.heavy!, latency: { sent: 10, received: 0, lossPct: 100 } } }, beta);
  assert.deepEqual(one(list, "tunnel-ping"), {
    id: "tunnel-ping",
    title: "tunnel ping",
    status: "red",
    detail: "10.10.9.1 no answer",
    hint: "beta's wgB (10.10.9.1) does not answer: check beta (ip addr show wgB; its firewall INPUT)",
  });
  assert.deepEqual(one(list, "lan-ping"), {
    id: "lan-ping",
    title: "LAN ping",
    status: "red",
    detail: "10.10.11.1 no answer",
    hint: "10.10.10.1 -> 10.10.11.1 fails: on beta, ip route get 10.10.10.1 must go via wgB; check its AllowedIPs and INPUT rules",
  });
  assert.equal(one(list, "latency")?.status, "red");
  assert.equal(one(list, "latency")?.detail, "100 % loss");
});

test("endpoint by DNS name: the name, what it resolves to now and what the interface uses", () => {
  const named = { ...site, sites: [site.sites[0], { ...site.sites[1], endpoint: { host: "vpn-beta.example.net", port: 51000 } }] as const } as typeof site;
  assert.equal(probeTargets(named, 0, alpha.addresses, beta.addresses).endpointName, "vpn-beta.example.net");
  const resolvedTo = (addresses: string[], job = true, base: StatusSample = alpha): StatusSample => ({ ...base, heavy: { ...alpha.heavy!, resolved: addresses, reresolveJob: job } });
  assert.deepEqual(one(checks(named, 0, resolvedTo(["192.0.2.12"]), beta), "endpoint"), { id: "endpoint", title: "endpoint", status: "green", detail: "vpn-beta.example.net = 192.0.2.12:51000" });
  assert.deepEqual(one(checks(named, 0, resolvedTo(["198.51.100.7"]), beta), "endpoint"), {
    id: "endpoint",
    title: "endpoint",
    status: "yellow",
    detail: "vpn-beta.example.net is 198.51.100.7, wgA uses 192.0.2.12:51000",
    hint: "beta talks from 192.0.2.12:51000 while vpn-beta.example.net is 198.51.100.7: NAT, or the DNS record is out of date",
  });
  // The handshake went stale after beta moved: red, with what the job does and the command that does it now.
  const stale = { ...alpha, clock: alpha.clock + 400 };
  assert.deepEqual(one(checks(named, 0, resolvedTo(["198.51.100.7"], true, stale), beta), "endpoint"), {
    id: "endpoint",
    title: "endpoint",
    status: "red",
    detail: "vpn-beta.example.net is 198.51.100.7, wgA uses 192.0.2.12:51000",
    hint: `vpn-beta.example.net moved to 198.51.100.7: wgsite-reresolve-wgA.timer sets it once the handshake is 135 s old (journalctl -u wgsite-reresolve-wgA.service); or now: wg set wgA peer ${BETA_KEY} endpoint 198.51.100.7:51000`,
  });
  assert.match(one(checks(named, 0, resolvedTo(["198.51.100.7"], false, stale), beta), "endpoint")!.hint!, /^vpn-beta\.example\.net moved and nothing follows it: wgsite apply installs wgsite-reresolve-wgA\.timer, /);
  assert.deepEqual(one(checks(named, 0, resolvedTo(["192.0.2.12"], false), beta), "endpoint"), {
    id: "endpoint",
    title: "endpoint",
    status: "yellow",
    detail: "vpn-beta.example.net = 192.0.2.12:51000, no re-resolve job",
    hint: "an address change of vpn-beta.example.net would go unnoticed until wgA restarts: wgsite apply installs wgsite-reresolve-wgA.timer, which follows vpn-beta.example.net when the handshake is stale",
  });
  assert.deepEqual(one(checks(named, 0, resolvedTo([], true, stale), beta), "endpoint"), {
    id: "endpoint",
    title: "endpoint",
    status: "red",
    detail: "vpn-beta.example.net does not resolve",
    hint: "alpha cannot resolve vpn-beta.example.net (getent ahosts vpn-beta.example.net): check /etc/resolv.conf and the name's DNS record; wgA keeps 192.0.2.12:51000",
  });
});

test("the probe resolves an endpoint name with getent ahosts, in its order, and asks whether the re-resolve job runs", () => {
  const t = { ...CAPTURE_TARGETS.alpha, endpointName: "vpn-beta.example.net" };
  const script = statusScript(t, { heavy: true });
  assert.match(script, /getent ahosts vpn-beta\.example\.net \| awk '!seen\[\$1\]\+\+ \{ print \$1 \}'/);
  assert.match(script, /systemctl is-active -q wgsite-reresolve-wgA\.timer/);
  const out = `${fixture("tick-alpha-heavy.txt")}@@wgsite-fact resolve\n198.51.100.7\n2001:db8::7\n@@wgsite-fact-end\n@@wgsite-fact reresolve-job\ninactive\n@@wgsite-fact-end\n`;
  const { sample } = parseStatus(out, t);
  assert.deepEqual(sample.heavy?.resolved, ["198.51.100.7", "2001:db8::7"]);
  assert.equal(sample.heavy?.reresolveJob, false);
});

test("key age: only with keys.maxAgeDays; green within it, yellow past it with wgsite rotate as the fix", () => {
  const made = alpha.clock - 40 * 86_400;
  assert.equal(one(checks(site, 0, { ...alpha, keyMadeAt: made }, beta), "key-age"), undefined, "no limit, no check");
  const limited = { ...site, keys: { maxAgeDays: 90 } };
  assert.deepEqual(one(checks(limited, 0, { ...alpha, keyMadeAt: made }, beta), "key-age"), { id: "key-age", title: "key age", status: "green", detail: "40 days old (limit 90)" });
  const old = one(checks({ ...site, keys: { maxAgeDays: 30 } }, 0, { ...alpha, keyMadeAt: made }, beta), "key-age");
  assert.equal(old?.status, "yellow");
  assert.equal(old?.detail, "40 days old (limit 30)");
  assert.match(old?.hint ?? "", /wgsite rotate/);
});
