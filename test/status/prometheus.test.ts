import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { CHECK_IDS } from "../../src/status/checks.ts";
import { prometheusText, unreachableText } from "../../src/status/prometheus.ts";
import type { GatewayView } from "../../src/status/report.ts";
import type { StatusSample } from "../../src/status/sample.ts";
import { captureSite, healthy, tick, views as viewsOf } from "./helpers.ts";

const site = captureSite();
const AT = 1795617830;
const alpha = healthy(tick("tick-alpha-heavy.txt"));
const beta = healthy(tick("tick-beta-heavy.txt"));

const views = (a: StatusSample, b: StatusSample) => viewsOf(site, a, b);

const series = (text: string, name: string) => text.split("\n").filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
const A = 'site="alpha",peer="beta",interface="wgA"';
const B = 'site="beta",peer="alpha",interface="wgB"';

test("exposition of the captured ticks: the tunnel's numbers per gateway, labelled site/peer/interface", () => {
  const text = prometheusText(site, views(alpha, beta), AT);
  assert.deepEqual(series(text, "wgsite_gateway_up"), [`wgsite_gateway_up{${A}} 1`, `wgsite_gateway_up{${B}} 1`]);
  assert.deepEqual(series(text, "wgsite_probe_timestamp_seconds"), [`wgsite_probe_timestamp_seconds{${A}} ${AT}`, `wgsite_probe_timestamp_seconds{${B}} ${AT}`]);
  assert.deepEqual(series(text, "wgsite_peer_handshake_age_seconds"), [`wgsite_peer_handshake_age_seconds{${A}} 2`, `wgsite_peer_handshake_age_seconds{${B}} 5`]);
  assert.deepEqual(series(text, "wgsite_peer_last_handshake_timestamp_seconds"), [
    `wgsite_peer_last_handshake_timestamp_seconds{${A}} 1795617826`,
    `wgsite_peer_last_handshake_timestamp_seconds{${B}} 1795617826`,
  ]);
  assert.deepEqual(series(text, "wgsite_peer_receive_bytes_total"), [`wgsite_peer_receive_bytes_total{${A}} 27456`, `wgsite_peer_receive_bytes_total{${B}} 51664`]);
  assert.deepEqual(series(text, "wgsite_peer_transmit_bytes_total"), [`wgsite_peer_transmit_bytes_total{${A}} 27692`, `wgsite_peer_transmit_bytes_total{${B}} 51576`]);
  assert.deepEqual(series(text, "wgsite_lan_latency_seconds"), [`wgsite_lan_latency_seconds{${A}} 0.00092`, `wgsite_lan_latency_seconds{${B}} 0.000484`]);
  assert.deepEqual(series(text, "wgsite_lan_loss_ratio"), [`wgsite_lan_loss_ratio{${A}} 0`, `wgsite_lan_loss_ratio{${B}} 0`]);
  assert.deepEqual(series(text, "wgsite_path_mtu_bytes"), [`wgsite_path_mtu_bytes{${A}} 1420`, `wgsite_path_mtu_bytes{${B}} 1420`]);
  assert.ok(text.includes("# HELP wgsite_peer_receive_bytes_total Bytes received from the peer"));
  assert.ok(text.includes("# TYPE wgsite_peer_receive_bytes_total counter\n"));
  assert.ok(text.includes("# TYPE wgsite_check_status gauge\n"));
  assert.ok(text.endsWith("\n"));
  assert.doesNotMatch(text, /hidden|PRIVATE|PresharedKey/i);
});

test("each check is a state set: three series per check and gateway, 1 for its state only", () => {
  const v = views(alpha, { ...beta, ipForward: { runtime: false, persisted: true } });
  const text = prometheusText(site, v, AT);
  const lines = series(text, "wgsite_check_status");
  // No LAN host was heard in these captures, the site file sets no key age limit, the LANs are IPv4 only and the
  // full-MTU ping is apply's: those rows are absent, as on the pane.
  const absent = ["lan-host", "key-age", "ip6-forward", "tunnel-ping6", "lan-ping6", "mtu-ping"].length;
  assert.deepEqual(v.map((g) => g.checks.length), [CHECK_IDS.length - absent, CHECK_IDS.length - absent]);
  assert.equal(lines.length, 2 * (CHECK_IDS.length - absent) * 3);
  assert.deepEqual(lines.filter((l) => l.includes('check="ip-forward"') && l.includes('site="beta"')), [
    `wgsite_check_status{${B},check="ip-forward",state="green"} 0`,
    `wgsite_check_status{${B},check="ip-forward",state="yellow"} 0`,
    `wgsite_check_status{${B},check="ip-forward",state="red"} 1`,
  ]);
  assert.deepEqual(lines.filter((l) => l.endsWith('state="red"} 1')), [`wgsite_check_status{${B},check="ip-forward",state="red"} 1`]);
});

test("a stale handshake: its age, and the handshake check red", () => {
  const text = prometheusText(site, views({ ...alpha, clock: alpha.clock + 400 }, beta), AT);
  assert.deepEqual(series(text, "wgsite_peer_handshake_age_seconds")[0], `wgsite_peer_handshake_age_seconds{${A}} 402`);
  assert.ok(text.includes(`wgsite_check_status{${A},check="handshake",state="red"} 1\n`));
});

test("an unreachable gateway: up 0 and a timestamp, no numbers it does not have", () => {
  const text = prometheusText(site, [views(alpha, beta)[0], { checks: [], error: "connection lost" }], AT);
  assert.deepEqual(series(text, "wgsite_gateway_up"), [`wgsite_gateway_up{${A}} 1`, `wgsite_gateway_up{${B}} 0`]);
  assert.equal(text.split("\n").filter((l) => l.includes('site="beta"')).length, 2);
  const none = unreachableText(site, AT);
  assert.equal(
    none,
    [
      "# HELP wgsite_gateway_up 1 when wgsite reached the gateway and its probe ran, 0 when it could not.",
      "# TYPE wgsite_gateway_up gauge",
      `wgsite_gateway_up{${A}} 0`,
      `wgsite_gateway_up{${B}} 0`,
      "# HELP wgsite_probe_timestamp_seconds When this snapshot was taken (Unix time); alert when it stops moving.",
      "# TYPE wgsite_probe_timestamp_seconds gauge",
      `wgsite_probe_timestamp_seconds{${A}} ${AT}`,
      `wgsite_probe_timestamp_seconds{${B}} ${AT}`,
      "",
    ].join("\n"),
  );
});

test("label values are escaped the exposition format's way", () => {
  const odd = { ...site, sites: [{ ...site.sites[0], name: 'al"ph\\a' }, site.sites[1]] as typeof site.sites };
  const text = prometheusText(odd, views(alpha, beta), AT);
  assert.ok(text.includes('wgsite_gateway_up{site="al\\"ph\\\\a",peer="beta",interface="wgA"} 1\n'));
});

// Debian's prometheus package brings promtool, the format's own checker (.ci/run installs it).
const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" }).status === 0;
const noPromtool = promtool ? false : "promtool not installed (apt-get install prometheus): the exposition and the example rules are not checked by Prometheus's own parser";

function runPromtool(args: readonly string[], input = "") {
  const r = spawnSync("promtool", [...args], { input, encoding: "utf8" });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test("promtool check metrics accepts the exposition: healthy, broken, unreachable", { skip: noPromtool }, () => {
  for (const text of [
    prometheusText(site, views(alpha, beta), AT),
    prometheusText(site, views({ ...alpha, clock: alpha.clock + 400 }, { ...beta, unit: { enabled: false, active: false } }), AT),
    prometheusText(site, [views(alpha, beta)[0], { checks: [], error: "gone" }], AT),
    unreachableText(site, AT),
  ]) {
    const r = runPromtool(["check", "metrics"], text);
    // promtool prints lint findings and exits 1 for them as well as for parse errors.
    assert.equal(r.code, 0, `${r.out}\n${text}`);
    assert.equal(r.out.trim(), "");
  }
});

const rules = fileURLToPath(new URL("../../examples/prometheus-alerts.yml", import.meta.url));
const rulesTest = fileURLToPath(new URL("../fixtures/prometheus/alerts.test.yml", import.meta.url));

test("the README's example alert rules are examples/prometheus-alerts.yml", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  assert.ok(readme.includes(readFileSync(rules, "utf8").trim()), "README Day two shows examples/prometheus-alerts.yml verbatim");
});

test("promtool accepts the example alert rules, and its rule test shows them firing", { skip: noPromtool }, () => {
  const checked = runPromtool(["check", "rules", rules]);
  assert.equal(checked.code, 0, checked.out);
  assert.match(checked.out, /SUCCESS: 3 rules found/);
  const tested = runPromtool(["test", "rules", rulesTest]);
  assert.equal(tested.code, 0, tested.out);
});
