import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { HostFacts } from "../../src/core/host-facts.ts";
import { plan } from "../../src/core/plan.ts";
import type { Site } from "../../src/core/site.ts";
import { verifySitesScript } from "../../src/remote/verify-sites.ts";
import { FRESH, siteOf } from "../helpers/applied-facts.ts";

/**
 * The verification's wait and ping order with more than two sites, run by sh with a fake `wg` and
 * `ping` that log each call: toward a peer before it in site order a gateway is the responder and
 * gives that peer a short chance to start the handshake (crossed initiations cost 5 s); the peers
 * after it it pings at once, so no gateway's wait holds back another's handshakes.
 */

const example = (name: string) => siteOf(readFileSync(new URL(`../../examples/${name}.yaml`, import.meta.url), "utf8"));

function freshFacts(site: Site): HostFacts[] {
  return site.sites.map((def, i) => {
    const lan = def.lan[0]!.text.replace(/\.0\/24$/, ".1");
    return { ...FRESH, connected: [{ dev: "host0", address: `192.0.2.${10 + i}`, cidr: `192.0.2.${10 + i}/24` }, { dev: "lan0", address: lan, cidr: `${lan}/24` }] };
  });
}

/**
 * Runs gateway `index`'s verification; the peers at `handshaken` (transfer addresses) have shaken
 * hands already. Returns the log: `wg` for each dump read, a transfer address for each first ping.
 */
function runVerify(site: Site, index: number, handshaken: readonly string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "wgsite-verify-"));
  try {
    const log = join(dir, "log");
    const peers = handshaken.map((a, i) => `key${i}\t(none)\t192.0.2.9:51000\t${a}/32,10.10.99.0/24\t1700000000\t0\t0\toff`);
    writeFileSync(join(dir, "dump"), ["priv\tpub\t51000\toff", ...peers].map((l) => `${l}\n`).join(""));
    writeFileSync(join(dir, "wg"), `#!/bin/sh\nif [ "$3" = dump ]; then echo wg >> ${log}; cat ${join(dir, "dump")}; fi\nexit 0\n`);
    writeFileSync(join(dir, "ping"), `#!/bin/sh\nfor a; do t=$a; done\necho "$t" >> ${log}\nexit 0\n`);
    for (const f of ["wg", "ping"]) chmodSync(join(dir, f), 0o755);
    const gp = plan({ site, facts: freshFacts(site), runId: "R1" }).gateways[index]!;
    const script = verifySitesScript(gp, 5, site);
    // Only the wait and the pings: the probe after them reads the gateway (ip, iptables), not this test's business.
    const upToProbe = script.slice(0, script.indexOf('echo "@@wgsite-pair '));
    const r = spawnSync("sh", ["-c", upToProbe], { env: { PATH: `${dir}:/usr/sbin:/usr/bin:/sbin:/bin` }, encoding: "utf8", timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(log, "utf8").trim().split("\n");
    return lines.filter((l, i) => l === "wg" || lines.indexOf(l) === i);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const waits = (log: readonly string[], target: string) => log.slice(0, log.indexOf(target)).filter((l) => l === "wg").length;

test("beta of four: gamma and delta are pinged at once, alpha only after its chance to start the handshake ran out", () => {
  const log = runVerify(example("mesh"), 1, []);
  assert.deepEqual(log.filter((l) => l !== "wg").sort(), ["10.10.9.1", "10.10.9.3", "10.10.9.4"]);
  assert.equal(log.filter((l) => l === "wg").length, 8, "eight looks at the dump, 20 ms apart");
  assert.equal(waits(log, "10.10.9.1"), 8);
  assert.ok(waits(log, "10.10.9.3") < 8 && waits(log, "10.10.9.4") < 8, `the later peers do not wait: ${log.join(" ")}`);
});

test("no waiting once every earlier peer has shaken hands; the first gateway never waits", () => {
  const delta = runVerify(example("mesh"), 3, ["10.10.9.1", "10.10.9.2", "10.10.9.3"]);
  assert.deepEqual(delta, ["wg", ...delta.slice(1)]);
  assert.equal(delta.filter((l) => l === "wg").length, 1);
  const alpha = runVerify(example("mesh"), 0, []);
  assert.deepEqual(alpha.filter((l) => l !== "wg").sort(), ["10.10.9.2", "10.10.9.3", "10.10.9.4"]);
  assert.equal(alpha.filter((l) => l === "wg").length, 0);
});

test("one earlier peer still to shake hands keeps the wait; a peer behind NAT waits for no one (no peer can reach it first)", () => {
  const gamma = runVerify(example("mesh"), 2, ["10.10.9.1"]);
  assert.equal(waits(gamma, "10.10.9.2"), 8, "beta has not shaken hands yet");
  const delta = runVerify(example("hub"), 3, []);
  assert.deepEqual(delta.filter((l) => l !== "wg").sort(), ["10.10.9.1", "10.10.9.2", "10.10.9.3"], "its pairs, all through the hub");
  assert.equal(delta.filter((l) => l === "wg").length, 0);
  const beta = runVerify(example("hub"), 1, []);
  assert.equal(waits(beta, "10.10.9.1"), 8, "a spoke with an endpoint waits for the hub before it");
});
