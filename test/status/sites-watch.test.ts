import assert from "node:assert/strict";
import { test } from "node:test";
import type { GatewaySession } from "../../src/remote/gateways.ts";
import { HeldScript } from "../../src/status/held-script.ts";
import { pairOutputs } from "../../src/status/pair-output.ts";
import type { ProbeTargets } from "../../src/status/sample.ts";
import { sitesWatchScript } from "../../src/status/sites-probe.ts";
import { judgeSitesStatus } from "../../src/status/sites-report.ts";
import { sitesRedLines, sitesSummaryLine, watchSitesHeadless } from "../../src/status/sites-watch.ts";
import { example, sitesSessions, sitesViews } from "./helpers.ts";
import { localShell } from "./local-shell.ts";

const mesh = example("mesh");
const hub = example("hub");

/** What --watch writes, lines without their timestamps. */
function recorder() {
  let text = "";
  return { write: (t: string) => (text += t), lines: () => text.split("\n").filter(Boolean).map((l) => l.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /, "")) };
}

test("the summary counts the pairs up and names the first red one", () => {
  assert.equal(sitesSummaryLine(mesh, judgeSitesStatus(mesh, sitesViews(mesh))), "mesh of 4 sites: 6 of 6 pairs up");
  assert.equal(sitesSummaryLine(hub, judgeSitesStatus(hub, sitesViews(hub))), "hub alpha of 4 sites: 6 of 6 pairs up");
  assert.equal(
    sitesSummaryLine(mesh, judgeSitesStatus(mesh, sitesViews(mesh, ["beta-delta", "alpha-gamma"]))),
    "mesh of 4 sites: 4 of 6 pairs up; alpha <-> gamma: alpha tunnel ping 10.10.9.3 no answer (+1 more red)",
  );
  assert.equal(sitesSummaryLine(mesh, judgeSitesStatus(mesh, sitesViews(mesh, ["beta-delta"])), new Set(["alpha"])), "mesh of 4 sites: 3 of 3 pairs up");
});

test("--exit-on-red's lines: an unreachable gateway first, then the red checks in fix order with the pair and the fix", () => {
  const raw = sitesViews(mesh, ["beta-delta"]).map((g, i) => (i === 0 ? { samples: new Map(), error: "connection lost" } : g));
  const lines = sitesRedLines(mesh, judgeSitesStatus(mesh, raw));
  assert.equal(lines[0], "alpha unreachable: connection lost");
  assert.deepEqual(lines.slice(1).map((l) => l.replace(/ \(fix: .*\)$/, "")), [
    "beta to delta tunnel ping: 10.10.9.4 no answer",
    "delta to beta tunnel ping: 10.10.9.2 no answer",
    "beta to delta LAN ping: 10.10.13.1 no answer",
    "delta to beta LAN ping: 10.10.11.1 no answer",
  ]);
  assert.ok(lines.slice(1).every((l) => / \(fix: .+\)$/.test(l)), lines.join("\n"));
  assert.deepEqual(sitesRedLines(mesh, judgeSitesStatus(mesh, sitesViews(mesh, ["beta-delta"])), new Set(["alpha", "gamma"])), [], "--site alpha,gamma: the dead pair is not theirs");
});

test("--watch --exit-on-red with four sites: a line per change of the summary, exit 3 on the first tick with a red pair, naming it", async () => {
  const dead: string[] = [];
  const { sessions, ticks } = sitesSessions(mesh, dead);
  const out = recorder();
  const ended = watchSitesHeadless({ site: mesh, sessions, intervalSec: 0.01, exitOnRed: true }, out);
  while (ticks.some((n) => n < 3)) await new Promise((r) => setTimeout(r, 5));
  dead.push("beta-delta");
  const { code, sessions: back } = await ended;
  assert.equal(code, 3);
  assert.equal(back.length, 4);
  const lines = out.lines();
  assert.equal(lines[0], "mesh of 4 sites: 6 of 6 pairs up", "once, however many ticks stay the same");
  assert.equal(lines[1], "mesh of 4 sites: 5 of 6 pairs up; beta <-> delta: beta tunnel ping 10.10.9.4 no answer");
  assert.equal(lines[2], "red:");
  assert.match(lines[3]!, /^ {2}beta to delta tunnel ping: 10\.10\.9\.4 no answer \(fix: /);
  assert.equal(lines.length, 7);
  const after = [...ticks];
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(ticks, after, "no tick after the exit");
});

test("--watch --exit-on-red: a gateway that cannot be reached is red at once (exit 3); --site gamma ignores a dead pair of others", async () => {
  const { sessions } = sitesSessions(hub);
  const lost: GatewaySession[] = sessions.map((s, i) => (i === 2 ? { ...s, root: { ...s.root, exec: () => Promise.reject(new Error("connection lost")) } as typeof s.root } : s));
  const out = recorder();
  assert.equal((await watchSitesHeadless({ site: hub, sessions: lost, intervalSec: 0.01, exitOnRed: true }, out)).code, 3);
  assert.deepEqual(out.lines().slice(0, 3), ["hub alpha of 4 sites: 3 of 6 pairs up; alpha <-> gamma: gamma unreachable (+2 more red)", "red:", "  gamma unreachable: connection lost"]);

  const { sessions: s2, ticks } = sitesSessions(mesh, ["beta-delta"]);
  const quiet = recorder();
  const ended = watchSitesHeadless({ site: mesh, sessions: s2, intervalSec: 0.01, exitOnRed: true, named: new Set(["gamma"]) }, quiet);
  while (ticks.some((n) => n < 3)) await new Promise((r) => setTimeout(r, 5));
  process.emit("SIGTERM");
  assert.equal((await ended).code, 143, "ended by the signal, not by the others' red pair");
  assert.deepEqual(quiet.lines(), ["mesh of 4 sites: 3 of 3 pairs up"]);
});

test("one held script per gateway for the whole watch, each tick a request line; all of them ended with the watch", async () => {
  const { sessions, ticks, commands, held } = sitesSessions(mesh);
  const ended = watchSitesHeadless({ site: mesh, sessions, intervalSec: 0.005, exitOnRed: false }, recorder());
  while (ticks.some((n) => n < 5)) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(commands, [1, 1, 1, 1]);
  assert.deepEqual(held, [1, 1, 1, 1]);
  process.emit("SIGHUP");
  assert.equal((await ended).code, 129);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(held, [0, 0, 0, 0], "every gateway's script saw its stdin close");
});

test("the held script in a real shell: a reply per request, framed per site, from one command", async () => {
  // Loopback only: the probes' pings must not leave this machine.
  const t = (peer: string): ProbeTargets => ({ iface: "wgtest9", port: 51000, peerTunnelAddress: peer, remoteLanAddresses: ["127.0.0.3"] });
  const started: string[] = [];
  const heldScript = new HeldScript(localShell(started), sitesWatchScript([{ site: "beta", t: t("127.0.0.2"), remoteHosts: [] }, { site: "gamma", t: t("127.0.0.4"), remoteHosts: [] }]));
  for (const line of ["L\n", "L\n", "H\n"]) {
    const chunks = pairOutputs(await heldScript.request(line, 20_000));
    assert.deepEqual([...chunks.keys()], ["beta", "gamma"]);
    for (const text of chunks.values()) assert.match(text, /@@wgsite-fact clock\n\d+/);
    // The path MTU search runs in the heavy tick only, toward each site.
    for (const text of chunks.values()) assert.equal(text.includes("@@wgsite-fact mtu\n"), line === "H\n", text.slice(0, 400));
  }
  assert.equal(started.length, 1);
  heldScript.close();
});
