import { Buffer } from "node:buffer";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { plan } from "../../src/core/plan.ts";
import type { ApplyEvent } from "../../src/remote/events.ts";
import { applyPlan } from "../../src/remote/apply-engine.ts";
import { appliedFacts, FRESH, FRESH_BETA, PUBLIC_KEYS, siteOf } from "../helpers/applied-facts.ts";
import { FakeGateway, fakePair, fakeSession, writtenFiles } from "./helpers/fake-gateway.ts";

const EDITS = new URL("../fixtures/edits/", import.meta.url);
const edit = (name: string, file: string) => siteOf(readFileSync(new URL(`${name}/${file}`, EDITS), "utf8"));
const options = { verifyTimeoutSec: 30, rollback: true, runId: "R1" };

function pair(site: ReturnType<typeof siteOf>, facts: readonly [typeof FRESH, typeof FRESH], gateways: readonly [FakeGateway, FakeGateway] = fakePair(site, PUBLIC_KEYS)) {
  return { gateways, sessions: [fakeSession(site, 0, facts[0], gateways[0]), fakeSession(site, 1, facts[1], gateways[1])] as const };
}

test("first apply: two round trips per gateway; the peer's public key from the prepare phase is bound into the confirmed plan's config", async () => {
  const site = edit("rerun-same-file", "after.yaml");
  const facts = [FRESH, FRESH_BETA] as const;
  const confirmed = plan({ site, facts, runId: "R1" });
  const { gateways, sessions } = pair(site, facts);
  const events: ApplyEvent[] = [];
  const report = await applyPlan(confirmed, sessions, options, (e) => events.push(e));
  assert.equal(report.ok, true, report.error);
  assert.deepEqual(gateways.map((g) => g.calls.length), [3, 3], "prepare, configure + verify, commit once both verified");
  assert.deepEqual(report.gateways[0]!.checks.filter((c) => !c.ok), [], "judged by the status checks: all green");
  assert.deepEqual(report.gateways[0]!.checks.map((c) => c.id), ["unit", "interface", "peer-key", "endpoint", "handshake", "route", "ip-forward", "rp-filter", "nat", "forward", "tunnel-ping", "lan-ping"]);
  assert.match(gateways[0].calls[0]!.script, /wg genkey > \/etc\/wireguard\/wgA\.key\.wgsite-tmp/);
  const config = writtenFiles(gateways[0].calls[1]!.script).get("/etc/wireguard/wgA.conf")!;
  assert.match(config, new RegExp(`^PublicKey = ${PUBLIC_KEYS[1].replace(/[+/]/g, "\\$&")}$`, "m"));
  assert.doesNotMatch(config, /<beta public key>/);
  assert.equal(events[0]!.type, "plan");
  assert.equal((events[0] as { plan: unknown }).plan, confirmed, "the plan reported is the one confirmed");
  assert.deepEqual(report.gateways.map((g) => g.traffic?.effect), ["start", "start"]);
  // Commit-confirm armed before the changes, disarmed by the commit once both gateways verified.
  assert.match(gateways[0].calls[1]!.script, /systemd-run --quiet --unit=wgsite-revert-wgA --on-active=90s/);
  assert.match(gateways[0].calls[2]!.script, /^systemctl stop wgsite-revert-wgA\.timer/);
});

test("a preshared key goes to both gateways on stdin, the same one, never in a script", async () => {
  const site = edit("psk-turned-on", "after.yaml");
  const facts = [FRESH, FRESH_BETA] as const;
  const { gateways, sessions } = pair(site, facts);
  const report = await applyPlan(plan({ site, facts, runId: "R1" }), sessions, options, () => undefined);
  assert.equal(report.ok, true, report.error);
  const stdins = gateways.map((g) => g.calls[1]!.stdin);
  assert.ok(stdins[0] && stdins[0] === stdins[1], "one PSK for both");
  for (const g of gateways) for (const c of g.calls) assert.ok(!c.script.includes(stdins[0]!.trim()), "the PSK is never in a script");
  assert.match(gateways[0].calls[1]!.script, /^IFS= read -r WGSITE_PSK$/m);
});

test("a failed verification rolls both gateways back: the undo of each changing step, last step first, then the journal", async () => {
  const site = edit("rerun-same-file", "after.yaml");
  const facts = [FRESH, FRESH_BETA] as const;
  const { gateways, sessions } = pair(site, facts, fakePair(site, PUBLIC_KEYS, { broken: "beta" }));
  const report = await applyPlan(plan({ site, facts, runId: "R1" }), sessions, options, () => undefined);
  assert.equal(report.ok, false);
  assert.match(report.error!, /verification failed:\n {2}alpha: handshake: never: UDP 51000 from alpha must reach beta/);
  assert.match(report.error!, /beta: tunnel-ping: 10\.10\.9\.0 no answer/);
  assert.deepEqual(report.rolledBack, ["alpha: rolled back to its previous state", "beta: rolled back to its previous state"]);
  const rollback = gateways[0].calls[2]!.script;
  const order = ["systemctl disable -q --now wg-quick@wgA", "rm -f /etc/sysctl.d/99-wgsite-wgA.conf", "rm -f /etc/wireguard/wgA.conf", "rm -f /etc/wireguard/wgA.key", "rm -f /var/lib/wgsite/wgA.json"];
  const at = order.map((s) => rollback.indexOf(s));
  assert.ok(at.every((i) => i >= 0), `all undone: ${at}`);
  assert.deepEqual([...at].sort((a, b) => a - b), at, "in reverse order of the steps");
});

test("a failed step stops that gateway's batch and rolls back both; the failing step's output is reported", async () => {
  const site = edit("rerun-same-file", "after.yaml");
  const facts = [FRESH, FRESH_BETA] as const;
  const { gateways, sessions } = pair(site, facts, fakePair(site, PUBLIC_KEYS, { failStep: ["alpha", "forwarding"] }));
  const report = await applyPlan(plan({ site, facts, runId: "R1" }), sessions, options, () => undefined);
  assert.equal(report.ok, false);
  assert.match(report.error!, /^alpha: step "forwarding" failed:\nboom$/);
  assert.equal(gateways[1].calls.length, 3, "beta rolled back too");
  assert.doesNotMatch(gateways[1].calls[2]!.script, /^systemctl stop wgsite-revert/, "the third call is beta's rollback, not a commit");
});

test("a peer-only edit reloads the peers live: syncconf, no stop, no restart", async () => {
  const before = edit("keepalive-changed", "before.yaml");
  const site = edit("keepalive-changed", "after.yaml");
  const facts = [appliedFacts(before, 0), appliedFacts(before, 1)] as const;
  const { gateways, sessions } = pair(site, facts);
  const report = await applyPlan(plan({ site, facts, runId: "R1" }), sessions, options, () => undefined);
  assert.equal(report.ok, true, report.error);
  assert.equal(gateways[0].calls.length, 2, "keys known: no prepare round trip; configure, commit");
  const script = gateways[0].calls[0]!.script;
  assert.match(script, /wg syncconf wgA \/run\/wgsite\/wgA\.sync/);
  assert.doesNotMatch(script, /systemctl (stop|restart) wg-quick@wgA/);
  assert.deepEqual(report.gateways.map((g) => g.traffic?.effect), ["live", "live"]);
  // The backup of wgsite's own earlier config goes once both are verified.
  assert.match(gateways[0].calls[1]!.script, /rm -f \/etc\/wireguard\/wgA\.conf\.wgsite-backup-R1/);
});

test("an interface edit stops with the old config, sweeps marked rules, writes, then starts", async () => {
  const before = edit("port-changed", "before.yaml");
  const site = edit("port-changed", "after.yaml");
  const facts = [appliedFacts(before, 0), appliedFacts(before, 1)] as const;
  const { gateways, sessions } = pair(site, facts);
  const report = await applyPlan(plan({ site, facts, runId: "R1" }), sessions, options, () => undefined);
  assert.equal(report.ok, true, report.error);
  const script = gateways[0].calls[0]!.script;
  const at = ["systemctl stop wg-quick@wgA", "iptables-save -t $t", "base64 -d > /etc/wireguard/wgA.conf.wgsite-tmp", "systemctl enable -q --now wg-quick@wgA"].map((s) => script.indexOf(s));
  assert.ok(at.every((i) => i >= 0), `${at}`);
  assert.deepEqual([...at].sort((a, b) => a - b), at);
});

test("OpenRC gateways: the service and the revert timer go through the init module", async () => {
  const site = edit("rerun-same-file", "after.yaml");
  const facts = [{ ...FRESH, init: "openrc" as const }, FRESH_BETA] as const;
  const { gateways, sessions } = pair(site, facts);
  const report = await applyPlan(plan({ site, facts, runId: "R1" }), sessions, options, () => undefined);
  assert.equal(report.ok, true, report.error);
  // Up to verification, whose probe asks whichever init the gateway has.
  const script = gateways[0].calls[1]!.script.split('echo "@@wgsite-step start verify"')[0]!;
  assert.match(script, /rc-update add wg-quick\.wgA default >\/dev\/null; \} && \{ rc-service wg-quick\.wgA status >\/dev\/null 2>&1 \|\| rc-service wg-quick\.wgA start 9>&-; \}/);
  assert.match(script, /\(setsid \/bin\/sh -c /);
  assert.doesNotMatch(script, /systemctl|systemd-run/);
});

test("OpenRC without a wg-quick script: wgsite's is written before the unit starts, and journaled", async () => {
  const site = edit("rerun-same-file", "after.yaml");
  const facts = [{ ...FRESH, init: "openrc" as const, serviceScript: { script: false, link: false } }, FRESH_BETA] as const;
  const { gateways, sessions } = pair(site, facts);
  const report = await applyPlan(plan({ site, facts, runId: "R1" }), sessions, options, () => undefined);
  assert.equal(report.ok, true, report.error);
  const script = gateways[0].calls[1]!.script;
  const at = ['echo "@@wgsite-step start service-script"', "base64 -d > /etc/init.d/wg-quick.wgsite-tmp", "chmod 0755 /etc/init.d/wg-quick.wgsite-tmp", "ln -sfn wg-quick /etc/init.d/wg-quick.wgA", 'echo "@@wgsite-step start unit"'].map((s) => script.indexOf(s));
  assert.ok(at.every((i) => i >= 0), `${at}`);
  assert.deepEqual([...at].sort((a, b) => a - b), at);
  const journal = JSON.parse(Buffer.from(/printf %s (\S+) \| base64 -d > \/var\/lib\/wgsite\/wgA\.json/.exec(script)![1]!, "base64").toString());
  assert.ok(journal.created.includes("/etc/init.d/wg-quick") && journal.created.includes("/etc/init.d/wg-quick.wgA"), journal.created.join(" "));
});

test("removal after any history: the unit down, wgsite's marked rules swept, every file of the journal gone, forwarding back off", async () => {
  const { removalSteps } = await import("../../src/core/removal.ts");
  const { batchScript } = await import("../../src/remote/batch.ts");
  const site = edit("interfaces-renamed", "after.yaml");
  const facts = appliedFacts(site, 0);
  const { steps } = removalSteps("wg-alpha", facts, false);
  assert.deepEqual(steps.map((s) => s.id), ["unit", "files", "forwarding", "keys", "journal"]);
  const gw = new FakeGateway("alpha", PUBLIC_KEYS[0], {});
  await gw.exec(batchScript(steps, { runId: "remove" }));
  const script = gw.calls[0]!.script;
  for (const s of ["systemctl disable -q --now wg-quick@wg-alpha", "wgsite:wg-alpha", "rm -f /etc/wireguard/wg-alpha.conf", "sysctl -q -w net.ipv4.ip_forward=0", "rm -f /etc/wireguard/wg-alpha.key", "rm -f /var/lib/wgsite/wg-alpha.json"]) {
    assert.ok(script.includes(s), s);
  }
});

test("rotate: the new key made on each gateway in the prepare phase, the peers' new keys bound, taken live; the old key kept until both verified", async () => {
  const site = edit("rerun-same-file", "after.yaml");
  const facts = [appliedFacts(site, 0), appliedFacts(site, 1)] as const;
  const { gateways, sessions } = pair(site, facts);
  const report = await applyPlan(plan({ site, facts, runId: "R1", rotate: { psk: false } }), sessions, options, () => undefined);
  assert.equal(report.ok, true, report.error);
  assert.deepEqual(gateways.map((g) => g.calls.length), [3, 3], "prepare (new key), configure + verify, commit");
  assert.match(gateways[0].calls[0]!.script, /\/etc\/wireguard\/wgA\.key\.wgsite-backup-R1/, "the old key moved aside, not deleted");
  assert.match(gateways[0].calls[0]!.script, /wg genkey/);
  const configure = gateways[0].calls[1]!.script;
  assert.match(configure, /wg syncconf wgA/);
  assert.doesNotMatch(configure, /systemctl (stop|restart) wg-quick@wgA/);
  assert.deepEqual(report.gateways.map((g) => g.traffic?.effect), ["live", "live"]);
  assert.match(gateways[0].calls[2]!.script, /rm -f \/etc\/wireguard\/wgA\.key\.wgsite-backup-R1/, "the commit deletes the old key");
});

test("rotate: a failed verification on one side puts the old keys back on both and reloads them", async () => {
  const site = edit("rerun-same-file", "after.yaml");
  const facts = [appliedFacts(site, 0), appliedFacts(site, 1)] as const;
  const { gateways, sessions } = pair(site, facts, fakePair(site, PUBLIC_KEYS, { broken: "beta" }));
  const report = await applyPlan(plan({ site, facts, runId: "R1", rotate: { psk: false } }), sessions, options, () => undefined);
  assert.equal(report.ok, false);
  assert.deepEqual(report.rolledBack, ["alpha: rolled back to its previous state", "beta: rolled back to its previous state"]);
  for (const [i, g] of gateways.entries()) {
    const rollback = g.calls.at(-1)!.script;
    const iface = i === 0 ? "wgA" : "wgB";
    assert.match(rollback, new RegExp(`mv -f /etc/wireguard/${iface}\\.key\\.wgsite-backup-R1 /etc/wireguard/${iface}\\.key`), `${iface}: the old key back`);
    assert.doesNotMatch(rollback, new RegExp(`rm -f /etc/wireguard/${iface}\\.key\\.wgsite-backup-R1`));
    const back = rollback.indexOf(`mv -f /etc/wireguard/${iface}.key.wgsite-backup-R1`);
    assert.ok(rollback.indexOf(`wg syncconf ${iface}`, back) > back, `${iface}: the old key reloaded live after it is back`);
  }
});
