import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { prometheusText, unreachableText } from "../../src/status/prometheus.ts";
import type { StatusSample } from "../../src/status/sample.ts";
import { sitesPrometheusText } from "../../src/status/sites-prometheus.ts";
import { judgeSitesStatus, type SitesGatewayView } from "../../src/status/sites-report.ts";
import { captureSite, example, healthy, sitesViews, tick, views } from "./helpers.ts";

const AT = 1795617830;
const series = (text: string, name: string) => text.split("\n").filter((l) => l.startsWith(`${name}{`));

/** The full probe's numbers on one gateway's path toward `to`. */
function withHeavy(raw: SitesGatewayView[], from: number, to: string): SitesGatewayView[] {
  return raw.map((g, i) => {
    if (i !== from) return g;
    const samples = new Map(g.samples);
    const s = samples.get(to)!;
    samples.set(to, { ...s, heavy: { at: s.clock, latency: { sent: 10, received: 9, lossPct: 10, rtt: { min: 0.4, avg: 0.61, max: 0.9 } }, pathMtu: { interfaceMtu: 1420, pathMtu: 1420 } } } satisfies StatusSample);
    return { ...g, samples };
  });
}

const golden = new URL("../fixtures/prometheus/mesh-4.prom", import.meta.url);

test("four sites in a mesh, one pair dead: the golden exposition (UPDATE_FIXTURES=1 rewrites it)", () => {
  const site = example("mesh");
  const raw = withHeavy(sitesViews(site, ["beta-delta"]), 0, "beta");
  const text = sitesPrometheusText(site, raw, judgeSitesStatus(site, raw), AT);
  if (process.env.UPDATE_FIXTURES) writeFileSync(golden, text);
  assert.equal(text, readFileSync(golden, "utf8"));
});

test("per gateway site and interface; per path besides peer and pair, one pair value from both ends", () => {
  const site = example("mesh");
  const raw = withHeavy(sitesViews(site, ["beta-delta"]), 0, "beta");
  const text = sitesPrometheusText(site, raw, judgeSitesStatus(site, raw), AT);
  assert.deepEqual(series(text, "wgsite_gateway_up"), ["alpha", "beta", "gamma", "delta"].map((n, i) => `wgsite_gateway_up{site="${n}",interface="wg${"ABCD"[i]}"} 1`));
  assert.equal(series(text, "wgsite_peer_handshake_age_seconds").length, 12);
  assert.deepEqual(series(text, "wgsite_lan_latency_seconds"), ['wgsite_lan_latency_seconds{site="alpha",peer="beta",interface="wgA",pair="alpha-beta"} 0.00061']);
  assert.deepEqual(series(text, "wgsite_lan_loss_ratio"), ['wgsite_lan_loss_ratio{site="alpha",peer="beta",interface="wgA",pair="alpha-beta"} 0.1']);
  assert.deepEqual(series(text, "wgsite_path_mtu_bytes"), ['wgsite_path_mtu_bytes{site="alpha",peer="beta",interface="wgA",pair="alpha-beta"} 1420']);
  assert.deepEqual(series(text, "wgsite_check_status").filter((l) => l.endsWith('state="red"} 1')), [
    'wgsite_check_status{site="beta",peer="delta",interface="wgB",pair="beta-delta",check="tunnel-ping",state="red"} 1',
    'wgsite_check_status{site="beta",peer="delta",interface="wgB",pair="beta-delta",check="lan-ping",state="red"} 1',
    'wgsite_check_status{site="delta",peer="beta",interface="wgD",pair="beta-delta",check="tunnel-ping",state="red"} 1',
    'wgsite_check_status{site="delta",peer="beta",interface="wgD",pair="beta-delta",check="lan-ping",state="red"} 1',
  ]);
  // A gateway's own checks once, without peer or pair.
  assert.ok(text.includes('wgsite_check_status{site="gamma",interface="wgC",check="unit",state="green"} 1\n'));
  assert.equal(series(text, "wgsite_check_status").filter((l) => l.includes('check="unit"')).length, 4 * 3);
  assert.doesNotMatch(text, /hidden|PRIVATE|PresharedKey/i);
});

test("around a hub: a spoke's handshake and transfer on its pair with the hub only; a spoke pair is labelled via the hub", () => {
  const site = example("hub");
  const raw = sitesViews(site);
  const text = sitesPrometheusText(site, raw, judgeSitesStatus(site, raw), AT);
  assert.deepEqual(series(text, "wgsite_peer_handshake_age_seconds").filter((l) => l.includes('site="beta"')), ['wgsite_peer_handshake_age_seconds{site="beta",peer="alpha",interface="wgB",pair="alpha-beta"} 1']);
  assert.equal(series(text, "wgsite_peer_handshake_age_seconds").length, 6, "the hub's three peers, each spoke's one");
  assert.ok(text.includes('wgsite_check_status{site="beta",peer="gamma",interface="wgB",pair="beta-gamma",via="alpha",check="lan-ping",state="green"} 1\n'), text);
  assert.doesNotMatch(text, /via="alpha",check="handshake"/);
});

test("an unreachable gateway: up 0 and a timestamp, its peers' series toward it still there; --site keeps the named gateways", () => {
  const site = example("mesh");
  const raw: SitesGatewayView[] = sitesViews(site).map((g, i) => (i === 2 ? { samples: new Map(), error: "connection lost" } : g));
  const view = judgeSitesStatus(site, raw);
  const text = sitesPrometheusText(site, raw, view, AT);
  assert.ok(text.includes('wgsite_gateway_up{site="gamma",interface="wgC"} 0\n'));
  assert.deepEqual(text.split("\n").filter((l) => l.includes('site="gamma"')), ['wgsite_gateway_up{site="gamma",interface="wgC"} 0', `wgsite_probe_timestamp_seconds{site="gamma",interface="wgC"} ${AT}`]);
  assert.ok(series(text, "wgsite_peer_handshake_age_seconds").some((l) => l.startsWith('wgsite_peer_handshake_age_seconds{site="alpha",peer="gamma"')));
  const named = sitesPrometheusText(site, raw, view, AT, new Set(["beta"]));
  assert.deepEqual([...new Set([...named.matchAll(/site="(\w+)"/g)].map((m) => m[1]))], ["beta"]);
  assert.equal(
    unreachableText(site, AT),
    [
      "# HELP wgsite_gateway_up 1 when wgsite reached the gateway and its probe ran, 0 when it could not.",
      "# TYPE wgsite_gateway_up gauge",
      ...["alpha", "beta", "gamma", "delta"].map((n, i) => `wgsite_gateway_up{site="${n}",interface="wg${"ABCD"[i]}"} 0`),
      "# HELP wgsite_probe_timestamp_seconds When this snapshot was taken (Unix time); alert when it stops moving.",
      "# TYPE wgsite_probe_timestamp_seconds gauge",
      ...["alpha", "beta", "gamma", "delta"].map((n, i) => `wgsite_probe_timestamp_seconds{site="${n}",interface="wg${"ABCD"[i]}"} ${AT}`),
      "",
    ].join("\n"),
  );
});

test("two sites print as before: the same names and labels, no pair label", () => {
  const site = captureSite();
  const text = prometheusText(site, views(site, healthy(tick("tick-alpha-heavy.txt")), healthy(tick("tick-beta-heavy.txt"))), AT);
  assert.doesNotMatch(text, /pair=|via=/);
  assert.ok(text.includes('wgsite_gateway_up{site="alpha",peer="beta",interface="wgA"} 1\n'));
});

const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" }).status === 0;
const noPromtool = promtool ? false : "promtool not installed (apt-get install prometheus): the exposition is not checked by Prometheus's own parser";

test("promtool check metrics accepts the N-site exposition: mesh with a dead pair, hub, a gateway down, none reached", { skip: noPromtool }, () => {
  const mesh = example("mesh");
  const hub = example("hub");
  const down: SitesGatewayView[] = sitesViews(mesh).map((g, i) => (i === 1 ? { samples: new Map(), error: "gone" } : g));
  const texts = [
    readFileSync(golden, "utf8"),
    sitesPrometheusText(hub, sitesViews(hub), judgeSitesStatus(hub, sitesViews(hub)), AT),
    sitesPrometheusText(mesh, down, judgeSitesStatus(mesh, down), AT),
    unreachableText(hub, AT),
  ];
  for (const text of texts) {
    const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}\n${text}`);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), "");
  }
});
