import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { HostFacts } from "../../src/core/host-facts.ts";
import { plan } from "../../src/core/plan.ts";
import type { Site } from "../../src/core/site.ts";
import { applyPlan } from "../../src/remote/apply-engine.ts";
import type { ApplyEvent } from "../../src/remote/events.ts";
import { FRESH, siteOf } from "../helpers/applied-facts.ts";
import { writtenFiles } from "./helpers/fake-gateway.ts";
import { fakeSites, siteKeys, siteSessions } from "./helpers/fake-sites.ts";

const example = (name: string) => siteOf(readFileSync(new URL(`../../examples/${name}.yaml`, import.meta.url), "utf8"));
const options = { verifyTimeoutSec: 30, rollback: true, runId: "R1" };

/** Fresh gateways, each with its address on its own LAN. */
function freshFacts(site: Site): HostFacts[] {
  return site.sites.map((def, i) => {
    const lan = def.lan[0]!.text.replace(/\.0\/24$/, ".1");
    return {
      ...FRESH,
      connected: [{ dev: "host0", address: `192.0.2.${10 + i}`, cidr: `192.0.2.${10 + i}/24` }, { dev: "lan0", address: lan, cidr: `${lan}/24` }],
      routes: [{ dst: "192.0.2.0/24", dev: "host0" }, { dst: def.lan[0]!.text, dev: "lan0" }],
    };
  });
}

async function run(site: Site, opts: { deadPairs?: readonly string[]; failStep?: [string, string] } = {}) {
  const facts = freshFacts(site);
  const confirmed = plan({ site, facts, runId: "R1" });
  const keys = siteKeys(site);
  const gateways = fakeSites(confirmed, keys, opts);
  const events: ApplyEvent[] = [];
  const report = await applyPlan(confirmed, siteSessions(site, facts, gateways), options, (e) => events.push(e));
  return { confirmed, keys, gateways, events, report };
}

test("a 4-site mesh: all gateways in parallel, one connection each, three round trips; every peer's key bound into each config", async () => {
  const site = example("mesh");
  const { gateways, report, keys } = await run(site);
  assert.equal(report.ok, true, report.error);
  assert.deepEqual(gateways.map((g) => g.calls.length), [3, 3, 3, 3], "prepare, configure + verify, commit");
  assert.deepEqual(gateways.map((g) => g.stats.connections), [1, 1, 1, 1]);
  const gamma = writtenFiles(gateways[2]!.calls[1]!.script).get("/etc/wireguard/wgC.conf")!;
  assert.deepEqual(gamma.match(/^PublicKey = .*$/gm), [keys[0], keys[1], keys[3]].map((k) => `PublicKey = ${k}`));
  assert.doesNotMatch(gamma, /public key>/);
  // Every gateway proved every other site, LAN to LAN.
  for (const [i, g] of report.gateways.entries()) {
    const pings = g.checks.filter((c) => c.id === "lan-ping").map((c) => c.detail.split(":")[0]);
    assert.deepEqual(pings, site.sites.filter((_, j) => j !== i).map((s) => `to ${s.name}`), g.site);
    assert.deepEqual(g.checks.filter((c) => !c.ok), [], g.site);
  }
});

test("each gateway's verification waits for every peer's transfer address and probes every other site", async () => {
  const site = example("mesh");
  const { gateways } = await run(site);
  const script = gateways[1]!.calls[1]!.script;
  for (const address of ["10.10.9.1", "10.10.9.3", "10.10.9.4"]) assert.match(script, new RegExp(`ping -c1 -W1 '?${address.replaceAll(".", "\\.")}'? >/dev/null`));
  assert.deepEqual([...script.matchAll(/^echo "@@wgsite-pair (\S+)"$/gm)].map((m) => m[1]), ["alpha", "gamma", "delta", "@gateway", "end"]);
});

test("a hub with a spoke behind NAT: the spokes prove each other through the hub", async () => {
  const site = example("hub");
  const { report, confirmed } = await run(site);
  assert.equal(report.ok, true, report.error);
  const beta = report.gateways[1]!;
  assert.deepEqual(beta.checks.filter((c) => c.id === "lan-ping").map((c) => c.detail.split(":")[0]), ["to alpha", "to gamma via alpha", "to delta via alpha"]);
  // The handshake toward a spoke beyond the hub is the hub's: judged once, on the pair with the hub.
  assert.equal(beta.checks.filter((c) => c.id === "handshake").length, 1);
  assert.deepEqual(confirmed.gateways[3]!.bindings.map((b) => b.site), ["alpha"]);
});

test("one pair that does not talk fails verification and rolls every changed gateway back", async () => {
  const site = example("mesh");
  const { report, gateways } = await run(site, { deadPairs: ["beta-delta"] });
  assert.equal(report.ok, false);
  assert.match(report.error!, /^verification failed:\n/);
  assert.match(report.error!, /beta: tunnel-ping: to delta: 10\.10\.9\.4 no answer/);
  assert.match(report.error!, /delta: lan-ping: to beta: /);
  assert.doesNotMatch(report.error!, /alpha: |gamma: /, "the pairs that talk are not blamed");
  assert.deepEqual(report.rolledBack, ["alpha: rolled back to its previous state", "beta: rolled back to its previous state", "gamma: rolled back to its previous state", "delta: rolled back to its previous state"]);
  for (const g of gateways) assert.match(g.calls[2]!.script, /systemctl disable -q --now wg-quick@wg[A-D]/);
});

test("a failed step on one gateway rolls back all four", async () => {
  const site = example("mesh");
  const { report, gateways } = await run(site, { failStep: ["gamma", "forwarding"] });
  assert.equal(report.ok, false);
  assert.match(report.error!, /^gamma: step "forwarding" failed:\nboom$/);
  assert.equal(report.rolledBack?.length, 4);
  assert.deepEqual(gateways.map((g) => g.calls.length), [3, 3, 3, 3], "prepare, configure, rollback");
});

test("two sites still verify as one pair, with no pair markers", async () => {
  const site = example("alpha-beta");
  const confirmed = plan({ site, facts: freshFacts(site), runId: "R1" });
  assert.equal(confirmed.gateways[0]!.pairs, undefined);
});
