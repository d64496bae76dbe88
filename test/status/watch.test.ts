import assert from "node:assert/strict";
import { test } from "node:test";
import type { Connection } from "../../src/remote/connection.ts";
import type { ProbeTargets } from "../../src/status/sample.ts";
import { ProbeWatch, tickRequest, watchScript } from "../../src/status/watch.ts";
import { localShell } from "./local-shell.ts";

/** Loopback only: the probes' pings must not leave this machine. */
const TARGETS: ProbeTargets = { iface: "wgtest9", port: 51000, peerTunnelAddress: "127.0.0.2", remoteLanAddresses: ["127.0.0.3"] };

test("the request line names the kind of tick and the checksums the client holds", () => {
  assert.equal(tickRequest(true, {}), "H none none\n");
  assert.equal(tickRequest(false, { addresses: { sum: "1-2", text: "" }, firewall: { sum: "3-4", text: "" } }), "L 1-2 3-4\n");
  // A heavy tick names the other LAN's hosts to ping; only address literals reach the gateway's shell.
  assert.equal(tickRequest(true, {}, ["10.10.11.10", "10.10.11.20; reboot", "10.10.11.30"]), "H none none 10.10.11.10 10.10.11.30\n");
  assert.equal(tickRequest(false, {}, ["10.10.11.10"]), "L none none\n", "light ticks ping no hosts");
});

test("a heavy tick pings the hosts named in its request, at once, from the local LAN address; and lists the neighbours", async () => {
  const watch = new ProbeWatch(localShell(), { ...TARGETS, localLanAddress: "127.0.0.1" });
  const { sample } = await watch.tick(true, {}, 20_000, ["127.0.0.1"]);
  assert.deepEqual(sample.heavy?.lanHosts?.map((h) => [h.address, h.answered, typeof h.rttMs]), [["127.0.0.1", true, "number"]]);
  assert.ok(Array.isArray(sample.heavy?.neighbors));
  const none = await watch.tick(true, {}, 20_000);
  assert.equal(none.sample.heavy?.lanHosts, undefined, "no hosts named: no host pings");
  watch.close();
});

test("the loop's script: light and heavy ticks as functions whose probes read /dev/null", () => {
  const script = watchScript(TARGETS);
  assert.match(script, /^light\(\) \{$/m);
  assert.match(script, /^heavy\(\) \{$/m);
  assert.match(script, /L\) light <\/dev\/null ;; H\) heavy <\/dev\/null ;;/);
  assert.match(script, /if \[ "\$s" = "\$kf" \]; then echo "@@same"/);
  assert.equal((script.match(/-M do/g) ?? []).length, 1, "path MTU only in the heavy tick");
});

test("one command for many ticks: each request gets its report; unchanged sections come back as a checksum; closing ends the loop", async () => {
  const started: string[] = [];
  const watch = new ProbeWatch(localShell(started), TARGETS);
  const first = await watch.tick(false, {}, 10_000);
  assert.ok(first.sample.clock > 0);
  assert.match(first.cache.addresses?.sum ?? "", /^\d+-\d+$/);
  const second = await watch.tick(false, first.cache, 10_000);
  assert.deepEqual(second.sample.addresses, first.sample.addresses, "filled in from the checksum");
  const heavy = await watch.tick(true, second.cache, 20_000);
  assert.ok(heavy.sample.heavy, "a heavy tick runs the heavy probes");
  assert.equal(started.length, 1);
  watch.close();
  await assert.rejects(watch.tick(false, {}, 1000), /closed/);
});

test("a loop that ends or never answers fails the tick with a clear error", async () => {
  const dead: Connection = { ...localShell(), exec: () => Promise.resolve({ stdout: "", stderr: "sudo: a password is required\n", code: 1 }) };
  await assert.rejects(new ProbeWatch(dead, TARGETS).tick(false, {}, 5000), /local: the status probe stopped \(exit 1\): sudo: a password is required/);
  const silent: Connection = { ...localShell(), exec: () => new Promise(() => undefined) };
  await assert.rejects(new ProbeWatch(silent, TARGETS).tick(false, {}, 50), /local: no status report within 0 s/);
});
