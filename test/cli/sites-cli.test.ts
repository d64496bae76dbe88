import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseCli } from "../../src/args.ts";
import { ExitError } from "../../src/core/exit-codes.ts";
import { plan } from "../../src/core/plan.ts";
import { limitPlan, namedSites } from "../../src/core/site-filter.ts";
import { applyPlan } from "../../src/remote/apply-engine.ts";
import { FRESH, siteOf } from "../helpers/applied-facts.ts";
import { runCli } from "../helpers/run-cli.ts";
import { fakeSites, siteKeys, siteSessions } from "../remote/helpers/fake-sites.ts";

const MESH = siteOf(readFileSync(new URL("../../examples/mesh.yaml", import.meta.url), "utf8"));

test("plan --offline prints each gateway's config for a 4-site mesh and a hub", () => {
  const mesh = runCli(["plan", "--offline", "-c", "examples/mesh.yaml"]);
  assert.equal(mesh.code, 0, mesh.stderr);
  assert.deepEqual([...mesh.stdout.matchAll(/^== (\w+) /gm)].map((m) => m[1]), ["alpha", "beta", "gamma", "delta"]);
  assert.equal(mesh.stdout.match(/^\[Peer\]$/gm)!.length, 12, "three peers on each of four gateways");
  const hub = runCli(["plan", "--offline", "--json", "-c", "examples/hub.yaml"]);
  assert.equal(hub.code, 0, hub.stderr);
  const json = JSON.parse(hub.stdout) as { gateways: { site: string; files: { content: string }[]; pairs: { site: string; via?: string }[] }[] };
  assert.deepEqual(json.gateways.map((g) => g.files[0]!.content.match(/^\[Peer\]$/gm)!.length), [3, 1, 1, 1]);
  assert.deepEqual(json.gateways[3]!.pairs.map((p) => `${p.site}${p.via ? `/${p.via}` : ""}`), ["alpha", "beta/alpha", "gamma/alpha"]);
});

test("a mesh pair without endpoints is refused with exit 2, naming the pair and the fix", () => {
  const text = readFileSync("examples/mesh.yaml", "utf8").replace("endpoint: 198.51.100.7", "endpoint: none").replace("endpoint: 203.0.113.9", "endpoint: none");
  const r = runCli(["plan", "--offline", "-c", "-"], { input: text });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /sites\.gamma\.endpoint: beta and gamma both have endpoint: none, so neither can reach the other; give one of them its public address, or route them through a site that has one \(topology: \{ hub: alpha \}\)/);
});

test("--site: names split at commas; empty names and commands that ignore it are refused", () => {
  const ok = parseCli(["apply", "-c", "x.yaml", "--site", "gamma,delta"]);
  assert.ok(ok.ok && ok.command.kind === "apply" && ok.command.options.sites?.join() === "gamma,delta");
  const empty = parseCli(["apply", "-c", "x.yaml", "--site", "gamma,"]);
  assert.ok(!empty.ok && /--site needs site names separated by commas/.test(empty.message));
  const plan = parseCli(["plan", "-c", "x.yaml", "--site", "gamma"]);
  assert.ok(!plan.ok && /--site does nothing for plan; it goes with apply, status, remove/.test(plan.message));
});

test("--site with a name the file does not have: exit 2 listing the sites", () => {
  assert.throws(() => namedSites(MESH, ["gamma", "omega"]), (e: unknown) => e instanceof ExitError && e.code === 2 && /--site: omega is not a site of the site file; name some of alpha, beta, gamma, delta/.test(e.message));
  assert.equal(namedSites(MESH, undefined), undefined);
});

test("--site gamma: only gamma changes; the others are left as they are but prove their path to gamma", async () => {
  // The others run already (keys known); gamma is new.
  const keys = siteKeys(MESH);
  const facts = MESH.sites.map((_, i) => (i === 2 ? FRESH : { ...FRESH, publicKey: keys[i]! }));
  const limited = limitPlan(plan({ site: MESH, facts, runId: "R1" }), namedSites(MESH, ["gamma"]), facts);
  assert.deepEqual(limited.gateways.map((g) => g.steps.filter((s) => !s.noop).length > 0), [false, false, true, false]);
  assert.equal(limited.gateways[0]!.steps.find((s) => s.id === "config")!.noop, "not named by --site: left as it is");
  assert.deepEqual(limited.gateways[0]!.pairs!.map((p) => p.site), ["gamma"]);
  assert.deepEqual(limited.gateways[2]!.pairs!.map((p) => p.site), ["alpha", "beta", "delta"]);
  const gateways = fakeSites(limited, keys);
  const report = await applyPlan(limited, siteSessions(MESH, facts, gateways), { verifyTimeoutSec: 30, rollback: true, runId: "R1" }, () => undefined);
  assert.equal(report.ok, true, report.error);
  assert.deepEqual(report.gateways.map((g) => g.changed), [false, false, true, false]);
  // alpha ran only its verification probe: no write, no unit action.
  assert.equal(gateways[0]!.calls.length, 1);
  assert.doesNotMatch(gateways[0]!.calls[0]!.script, /base64 -d|systemctl (enable|start|stop|restart)/);
});

test("--site naming a gateway whose peer was never set up: exit 2, name the peer to add", () => {
  const facts = MESH.sites.map(() => FRESH);
  assert.throws(
    () => limitPlan(plan({ site: MESH, facts, runId: "R1" }), namedSites(MESH, ["gamma"]), facts),
    (e: unknown) => e instanceof ExitError && e.code === 2 && /^--site: alpha, beta, delta have no WireGuard key yet, so the named gateways cannot have them as a peer; add alpha,beta,delta to --site/.test(e.message),
  );
});

test("the wizard loads every site of a file of more than two sites (none dropped)", async () => {
  const { prefill } = await import("../../src/ui/run-wizard.tsx");
  const { answers } = await prefill("examples/mesh.yaml");
  assert.deepEqual([answers.name0, answers.name1, answers.name2, answers.name3, answers.name4], ["alpha", "beta", "gamma", "delta", undefined]);
  assert.equal((await prefill("examples/alpha-beta.yaml")).answers.name1, "beta");
});
