import assert from "node:assert/strict";
import { test } from "node:test";
import { connected } from "../../src/facts/connected.ts";
import { parseIptablesSave } from "../../src/core/rules/iptables-save.ts";
import { parseNftRuleset } from "../../src/core/rules/nft-ruleset.ts";
import { parsePathMtu, parsePing } from "../../src/status/ping.ts";
import { parseRouteGet } from "../../src/status/route-get.ts";
import { parseWgDump } from "../../src/status/wg-dump.ts";
import { ALPHA_KEY, BETA_KEY, fixture } from "./helpers.ts";

const FAKE_PRIVATE = "cFakePrivateKeyNeverRealXXXXXXXXXXXXXXXXXXk=";
const FAKE_PSK = "cFakePresharedKeyNeverRealXXXXXXXXXXXXXXXXk=";

test("wg show dump: interface and peer after a handshake; the private key is not kept", () => {
  const dump = parseWgDump(fixture("wg-dump.txt"));
  assert.deepEqual(dump, {
    publicKey: ALPHA_KEY,
    listenPort: 51000,
    peers: [
      {
        publicKey: BETA_KEY,
        presharedKey: false,
        endpoint: "192.0.2.12:51000",
        allowedIps: ["10.10.11.0/24", "10.10.9.0/31"],
        latestHandshake: 1795617826,
        rxBytes: 2396,
        txBytes: 2632,
        keepalive: 25,
      },
    ],
  });
  assert.ok(!JSON.stringify(dump).includes(FAKE_PRIVATE));
});

test("wg show dump: no handshake yet is 0, keepalive off is absent", () => {
  assert.deepEqual(parseWgDump(fixture("wg-dump-no-handshake.txt"))?.peers[0], {
    publicKey: BETA_KEY,
    presharedKey: false,
    endpoint: "192.0.2.12:51000",
    allowedIps: ["10.10.11.0/24", "10.10.9.0/31"],
    latestHandshake: 0,
    rxBytes: 0,
    txBytes: 148,
    keepalive: 25,
  });
  assert.equal(parseWgDump(fixture("wg-dump-beta.txt"))?.peers[0]?.keepalive, undefined);
});

test("wg show dump: a preshared key is reported as in use, never kept", () => {
  const dump = parseWgDump(fixture("wg-dump-psk.txt"));
  assert.equal(dump?.peers[0]?.presharedKey, true);
  assert.ok(!JSON.stringify(dump).includes(FAKE_PSK));
  assert.ok(!JSON.stringify(dump).includes(FAKE_PRIVATE));
});

test("wg show dump: no interface, no output", () => {
  assert.equal(parseWgDump(""), undefined);
  assert.equal(parseWgDump("Unable to access interface: No such device\n"), undefined);
});

test("ip route get: via the tunnel, via another device, unreachable", () => {
  assert.deepEqual(parseRouteGet(fixture("route-get-wg.txt")), { ok: true, dev: "wgA", src: "10.10.9.0" });
  assert.deepEqual(parseRouteGet(fixture("route-get-other.txt")), { ok: true, dev: "vA", src: "192.0.2.11" });
  assert.deepEqual(parseRouteGet(fixture("route-get-unreachable.txt")), { ok: false, error: "Network is unreachable" });
  assert.deepEqual(parseRouteGet("10.10.11.1 via 192.0.2.254 dev eth0 src 192.0.2.1 uid 0\n    cache\n"), { ok: true, dev: "eth0", via: "192.0.2.254", src: "192.0.2.1" });
});

test("ping: answered, lost, refused locally (too big), and ten through the routed path", () => {
  assert.deepEqual(parsePing(fixture("ping-tunnel-ok.txt")), { sent: 1, received: 1, lossPct: 0, rtt: { min: 0.335, avg: 0.335, max: 0.335, mdev: 0 } });
  assert.deepEqual(parsePing(fixture("ping-tunnel-lost.txt")), { sent: 1, received: 0, lossPct: 100 });
  assert.deepEqual(parsePing(fixture("ping-df-too-big.txt")), { sent: 1, received: 0, lossPct: 100, error: "local error: message too long, mtu=1420" });
  assert.deepEqual(parsePing(fixture("ping-df-lost.txt")), { sent: 1, received: 0, lossPct: 100 });
  assert.equal(parsePing(fixture("ping-df-ok.txt")).received, 1);
  assert.deepEqual(parsePing(fixture("ping-lan-10.txt")), { sent: 10, received: 10, lossPct: 0, rtt: { min: 0.352, avg: 0.499, max: 1.186, mdev: 0.241 } });
  assert.deepEqual(parsePing("10 packets transmitted, 7 packets received, 30% packet loss\nround-trip min/avg/max = 0.1/0.2/0.3 ms\n"), { sent: 10, received: 7, lossPct: 30, rtt: { min: 0.1, avg: 0.2, max: 0.3 } });
});

test("path MTU: the probe's answers through an MTU black hole and through a clean path", () => {
  const hole = fixture("tick-alpha-mtu-blackhole.txt").split("@@wgsite-fact mtu\n")[1]!.split("@@wgsite-fact-end")[0]!;
  assert.deepEqual(parsePathMtu(hole), { interfaceMtu: 1420, pathMtu: 1328, firstLost: 1331 });
  const clean = fixture("tick-alpha-heavy.txt").split("@@wgsite-fact mtu\n")[1]!.split("@@wgsite-fact-end")[0]!;
  assert.deepEqual(parsePathMtu(clean), { interfaceMtu: 1420, pathMtu: 1420 });
  assert.deepEqual(parsePathMtu("mtu 1420\nno 1252\nno 1392\n"), { interfaceMtu: 1420, firstLost: 1280 });
  assert.equal(parsePathMtu(""), undefined);
});

test("ip -o -4 addr show: the LAN address and its device", () => {
  assert.deepEqual(connected.parse(fixture("ip-addr.txt"), { iface: "wgA", port: 51000 }), [
    { dev: "lo", address: "127.0.0.1", cidr: "127.0.0.1/8" },
    { dev: "vA", address: "192.0.2.11", cidr: "192.0.2.11/24" },
    { dev: "lan0", address: "10.10.10.1", cidr: "10.10.10.1/24" },
    { dev: "wgA", address: "10.10.9.0", cidr: "10.10.9.0/31" },
  ]);
});

test("iptables-save: policies and rules with quoted comments", () => {
  const dump = parseIptablesSave(fixture("iptables-save-drop-accept.txt"));
  assert.deepEqual(dump.tables.filter?.policies, { INPUT: "ACCEPT", FORWARD: "DROP", OUTPUT: "ACCEPT" });
  assert.deepEqual(dump.tables.filter?.rules.map((r) => r.args.join(" ")), [
    "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-i wgA -p tcp -m tcp --dport 22 -m comment --comment wgsite:wgA -j REJECT --reject-with icmp-port-unreachable",
    "-i wgA -j ACCEPT",
    "-o wgA -j ACCEPT",
  ]);
  assert.deepEqual(dump.tables.nat?.rules.map((r) => r.line), ["-A POSTROUTING -o vA -j MASQUERADE", "-A POSTROUTING -s 10.10.10.0/24 -j MASQUERADE"]);
});

test("nft list ruleset: base chains with hook, type and policy; rules in order", () => {
  assert.deepEqual(parseNftRuleset(fixture("nft-forward-drop-accept.txt")), {
    chains: [
      { family: "inet", table: "filter", name: "input", type: "filter", hook: "input", priority: "filter", policy: "accept", rules: [] },
      {
        family: "inet",
        table: "filter",
        name: "forward",
        type: "filter",
        hook: "forward",
        priority: "filter",
        policy: "drop",
        rules: ["ct state established,related accept", 'iifname "lan0" oifname "wgA" accept', 'iifname "wgA" oifname "lan0" counter packets 0 bytes 0 accept'],
      },
      { family: "inet", table: "filter", name: "output", type: "filter", hook: "output", priority: "filter", policy: "accept", rules: [] },
      {
        family: "ip",
        table: "nat",
        name: "postrouting",
        type: "nat",
        hook: "postrouting",
        priority: "srcnat",
        policy: "accept",
        rules: ['oifname "vA" masquerade', "ip saddr 10.10.10.0/24 ip daddr != 10.10.11.0/24 masquerade"],
      },
    ],
  });
  assert.deepEqual(
    parseNftRuleset(fixture("nft-iptables-nft.txt")).chains.map((c) => [c.family, c.table, c.name, c.policy, c.rules.length]),
    [["ip", "nat", "POSTROUTING", "accept", 2], ["ip", "filter", "FORWARD", "drop", 0]],
  );
});

test("nft list ruleset: sets and multi-line elements are skipped", () => {
  const text = 'table inet fw {\n\tset lans {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 10.10.10.0/24,\n\t\t\t     10.10.11.0/24 }\n\t}\n\n\tchain fwd {\n\t\ttype filter hook forward priority 0; policy drop;\n\t\tiifname { "wgA", "lan0" } accept\n\t}\n}\n';
  assert.deepEqual(parseNftRuleset(text).chains, [
    { family: "inet", table: "fw", name: "fwd", type: "filter", hook: "forward", priority: "0", policy: "drop", rules: ['iifname { "wgA", "lan0" } accept'] },
  ]);
});
