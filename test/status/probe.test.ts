import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { parseStatus, statusScript } from "../../src/status/probe.ts";
import { DUMP_REDACT, parseWgDump } from "../../src/status/wg-dump.ts";
import { CAPTURE_TARGETS } from "../fixtures/status/status-scripts.ts";
import { BETA_KEY, fixture, tick } from "./helpers.ts";

test("a heavy tick: every probe parsed from one captured round trip", () => {
  const sample = tick("tick-alpha-heavy.txt");
  assert.equal(sample.clock, 1795617828);
  assert.equal(sample.init, "unknown");
  assert.equal(sample.wg?.peers[0]?.publicKey, BETA_KEY);
  assert.deepEqual(sample.link, { up: true, mtu: 1420 });
  assert.deepEqual(sample.unit, { enabled: false, active: false });
  assert.deepEqual(sample.ipForward, { runtime: true, persisted: false });
  assert.deepEqual(sample.rpFilter, { all: 0, default: 0, iface: 0, persisted: false });
  assert.deepEqual(sample.addresses.find((a) => a.dev === "lan0"), { dev: "lan0", address: "10.10.10.1", cidr: "10.10.10.1/24" });
  assert.deepEqual(sample.routes, [{ to: "10.10.11.1", route: { ok: true, dev: "wgA", src: "10.10.9.0" } }]);
  assert.deepEqual(sample.firewall, { iptables: { tables: {} }, nft: { chains: [] } });
  assert.deepEqual(sample.tunnelPing, { sent: 1, received: 1, lossPct: 0, rtt: { min: 0.446, avg: 0.446, max: 0.446, mdev: 0 } });
  assert.deepEqual(sample.heavy, {
    at: 1795617828,
    latency: { sent: 10, received: 10, lossPct: 0, rtt: { min: 0.344, avg: 0.92, max: 4.374, mdev: 1.156 } },
    pathMtu: { interfaceMtu: 1420, pathMtu: 1420 },
  });
  assert.deepEqual(sample.lanPing, sample.heavy?.latency);
});

test("a light tick: one LAN ping, no heavy probes", () => {
  const sample = tick("tick-alpha-light.txt");
  assert.equal(sample.heavy, undefined);
  assert.equal(sample.lanPing?.sent, 1);
  assert.equal(sample.lanPing?.received, 1);
});

test("a tick with iptables rules: the firewall section is parsed into both views", () => {
  const sample = tick("tick-alpha-firewall.txt");
  assert.equal(sample.firewall.iptables.tables.filter?.policies.FORWARD, "DROP");
  assert.equal(sample.firewall.iptables.tables.nat?.rules.length, 2);
  assert.deepEqual(sample.firewall.nft.chains.map((c) => `${c.family} ${c.table} ${c.name}`), ["ip nat POSTROUTING", "ip filter FORWARD"]);
});

test("unchanged sections come back as a checksum only and are filled in from the last tick", () => {
  const full = parseStatus(fixture("tick-alpha-firewall.txt"), CAPTURE_TARGETS.alpha);
  assert.match(full.cache.firewall?.sum ?? "", /^\d+-\d+$/);
  assert.match(full.cache.addresses?.sum ?? "", /^\d+-\d+$/);
  const same = fixture("tick-alpha-firewall.txt").replace(/(@@wgsite-fact (?:firewall|addresses)\n)[\s\S]*?\n(@@wgsite-fact-end)/g, "$1@@same\n\n$2");
  assert.ok(same.length < fixture("tick-alpha-firewall.txt").length - 800);
  const next = parseStatus(same, CAPTURE_TARGETS.alpha, full.cache);
  assert.deepEqual(next.sample.firewall, full.sample.firewall);
  assert.deepEqual(next.sample.addresses, full.sample.addresses);
  assert.deepEqual(next.cache, full.cache);
});

test("the script asks for unchanged sections by checksum, and heavy probes only when asked", () => {
  const light = statusScript(CAPTURE_TARGETS.alpha, { heavy: false, cache: { firewall: { sum: "123-45", text: "" } } });
  assert.match(light, /if \[ "\$s" = 123-45 \]; then echo "@@same"/);
  assert.match(light, /ping -n -q -c1 -W1 -I 10\.10\.10\.1 10\.10\.11\.1/);
  assert.doesNotMatch(light, /-M do|-c10/);
  const heavy = statusScript(CAPTURE_TARGETS.alpha, { heavy: true });
  assert.match(heavy, /ping -n -q -c10 -i0\.05 -W1 -I 10\.10\.10\.1 10\.10\.11\.1/);
  assert.match(heavy, /-M do -s \$s 10\.10\.9\.1/);
  // Pings go first: an idle tunnel has its handshake before the dump is read.
  assert.ok(heavy.indexOf("@@wgsite-fact tunnel-ping") < heavy.indexOf("@@wgsite-fact wg'"));
});

test("the gateway-side filter hides the private key and any preshared key before they leave", () => {
  const run = (input: string) => spawnSync("sh", ["-c", DUMP_REDACT], { input, encoding: "utf8" }).stdout;
  const psk = run(fixture("wg-dump-psk.txt"));
  assert.ok(!psk.includes("cFake"), psk);
  assert.equal(psk.split("\n")[0]!.split("\t")[0], "(hidden)");
  assert.equal(psk.split("\n")[1]!.split("\t")[1], "(hidden)");
  assert.equal(run(fixture("wg-dump.txt")).split("\n")[1]!.split("\t")[1], "(none)");
  assert.deepEqual(parseWgDump(psk), parseWgDump(fixture("wg-dump-psk.txt")));
});

test("a gateway without the interface: no dump, no link", () => {
  const text = fixture("tick-alpha-light.txt").replace(/(@@wgsite-fact (?:wg|link)\n)[\s\S]*?\n(@@wgsite-fact-end)/g, "$1\n$2");
  const sample = parseStatus(text, CAPTURE_TARGETS.alpha).sample;
  assert.equal(sample.wg, undefined);
  assert.equal(sample.link, undefined);
});

test("the output is written once", () => {
  const plainScript = statusScript(CAPTURE_TARGETS.alpha, { heavy: false });
  assert.match(plainScript, /\no=\$\(\n/);
  assert.match(plainScript, /\nprintf '%s\\n' "\$o"$/);
});
