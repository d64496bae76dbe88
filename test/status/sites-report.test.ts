import assert from "node:assert/strict";
import { test } from "node:test";
import { pairOutputs } from "../../src/status/pair-output.ts";
import { judgeSitesStatus, pairLines, sitesExitCode, sitesStatusJson, sitesStatusText } from "../../src/status/sites-report.ts";
import { example, sitesViews as views } from "./helpers.ts";

test("status with four sites: one line per pair, all up (yellow until the full probe measured MTU and latency)", () => {
  const site = example("mesh");
  const view = judgeSitesStatus(site, views(site));
  assert.deepEqual(pairLines(site, view).map((p) => p.text.split(":")[0]), ["alpha <-> beta", "alpha <-> gamma", "alpha <-> delta", "beta <-> gamma", "beta <-> delta", "gamma <-> delta"]);
  assert.ok(pairLines(site, view).every((p) => / up, handshake 1 s ago$/.test(p.text) && p.status !== "red"), JSON.stringify(pairLines(site, view)));
  assert.equal(sitesExitCode(view), 0);
});

test("a dead pair names itself and its first red check; the others stay up; exit 3", () => {
  const site = example("mesh");
  const view = judgeSitesStatus(site, views(site, ["beta-delta"]));
  const lines = pairLines(site, view);
  assert.equal(lines.find((p) => p.a === "beta" && p.b === "delta")!.text, "beta <-> delta: beta tunnel ping 10.10.9.4 no answer");
  assert.deepEqual(lines.filter((p) => p.status === "red").map((p) => `${p.a}-${p.b}`), ["beta-delta"]);
  assert.equal(sitesExitCode(view), 3);
  const json = sitesStatusJson(site, view);
  assert.equal(json.status, "red");
  assert.deepEqual(json.pairs[0], { sites: ["alpha", "beta"], status: "yellow", summary: "alpha <-> beta: up, handshake 1 s ago" });
});

test("around a hub: a spoke pair is shown via the hub, and a spoke's detail lists each other site", () => {
  const site = example("hub");
  const view = judgeSitesStatus(site, views(site));
  const lines = pairLines(site, view).map((p) => p.text.split(":")[0]);
  assert.deepEqual(lines, ["alpha <-> beta", "alpha <-> gamma", "alpha <-> delta", "beta <-> gamma (via alpha)", "beta <-> delta (via alpha)", "gamma <-> delta (via alpha)"]);
  const text = sitesStatusText(site, view, { color: false });
  assert.match(text, /^beta \(ops@198\.51\.100\.7:2222\) {2}wgB\n {2}✔ unit/m);
  assert.match(text, /^ {2}to gamma \(via alpha\):\n {4}✔ route/m);
  // One handshake for a spoke: its one peer, the hub.
  assert.equal(view.gateways[1]!.checks.filter((c) => c.id === "handshake").length, 1);
});

test("one probe script toward every site: the gateway's own facts once, after every site's pings, read with each site", async () => {
  const { pairsScript } = await import("../../src/status/pair-output.ts");
  const fact = (id: string) => ({ id, command: () => `echo ${id}`, parse: (s: string) => s });
  const script = pairsScript({ iface: "wgA", port: 51000 }, ["beta", "gamma"].map((site) => ({ site, facts: [fact("clock"), fact("tunnel-ping"), fact("wg"), fact("firewall")] })));
  assert.equal(script.match(/@@wgsite-fact wg'/g)!.length, 1, "the dump once");
  assert.ok(script.lastIndexOf("tunnel-ping") < script.indexOf("@@wgsite-fact wg'"), "after every site's pings");
  const out = pairOutputs("@@wgsite-pair beta\nB\n@@wgsite-pair gamma\nG\n@@wgsite-pair @gateway\nOWN\n@@wgsite-pair end\n");
  assert.deepEqual([...out], [["beta", "B\nOWN"], ["gamma", "G\nOWN"]]);
});
