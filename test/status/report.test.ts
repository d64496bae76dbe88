import assert from "node:assert/strict";
import { test } from "node:test";
import { exitCodeOf, statusJson, statusText, summaryLine, type GatewayView } from "../../src/status/report.ts";
import type { StatusSample } from "../../src/status/sample.ts";
import { ALPHA_KEY, BETA_KEY, captureSite, healthy, tick, views as viewsOf } from "./helpers.ts";

const site = captureSite();
const alpha = healthy(tick("tick-alpha-heavy.txt"));
const beta = healthy(tick("tick-beta-heavy.txt"));

const views = (a: StatusSample, b: StatusSample) => viewsOf(site, a, b);

test("summary: up, with alpha's latency and loss", () => {
  assert.equal(summaryLine(site, views(alpha, beta)), "alpha 10.10.10.0/24 <-> beta 10.10.11.0/24: up, 0.9 ms, 0 % loss");
});

test("summary: the first red check in fix order, across both gateways", () => {
  const broken = views({ ...alpha, clock: alpha.clock + 400 }, { ...beta, ipForward: { runtime: false, persisted: true } });
  // The handshake comes before ip_forward in CHECK_IDS, so alpha's is named although beta's is also red.
  assert.equal(summaryLine(site, broken), "alpha 10.10.10.0/24 <-> beta 10.10.11.0/24: alpha handshake stale, 7 min ago");
  assert.equal(summaryLine(site, views(alpha, { ...beta, ipForward: { runtime: false, persisted: true } })), "alpha 10.10.10.0/24 <-> beta 10.10.11.0/24: beta ip_forward 0");
  assert.equal(summaryLine(site, [views(alpha, beta)[0], { checks: [], error: "connection lost" }]), "alpha 10.10.10.0/24 <-> beta 10.10.11.0/24: beta unreachable");
});

test("summary: warnings are counted", () => {
  const v = views({ ...alpha, ipForward: { runtime: true, persisted: false } }, beta);
  assert.equal(summaryLine(site, v), "alpha 10.10.10.0/24 <-> beta 10.10.11.0/24: up, 0.9 ms, 0 % loss, 1 warning");
});

test("exit code: 0 when all green or only yellow, 3 when anything is red or a gateway is unreachable", () => {
  assert.equal(exitCodeOf(views(alpha, beta)), 0);
  assert.equal(exitCodeOf(views({ ...alpha, ipForward: { runtime: true, persisted: false } }, beta)), 0);
  assert.equal(exitCodeOf(views(alpha, { ...beta, unit: { enabled: true, active: false } })), 3);
  assert.equal(exitCodeOf([views(alpha, beta)[0], { checks: [], error: "gone" }]), 3);
});

test("--json: per gateway its wg fields and its checks with status and hint; no secret anywhere", () => {
  const doc = statusJson(site, views(alpha, { ...beta, ipForward: { runtime: false, persisted: true } }));
  assert.equal(doc.status, "red");
  assert.equal(doc.summary, "alpha 10.10.10.0/24 <-> beta 10.10.11.0/24: beta ip_forward 0");
  assert.deepEqual(Object.keys(doc.gateways[0]!), ["site", "ssh", "interface", "reachable", "wg", "checks"]);
  assert.deepEqual(doc.gateways[0]!.wg, {
    publicKey: ALPHA_KEY,
    listenPort: 51000,
    mtu: 1420,
    up: true,
    peer: {
      publicKey: BETA_KEY,
      endpoint: "192.0.2.12:51000",
      allowedIps: ["10.10.11.0/24", "10.10.9.0/31"],
      latestHandshake: 1795617826,
      handshakeAgeSec: 2,
      rxBytes: 27456,
      txBytes: 27692,
      keepaliveSec: 25,
      presharedKey: false,
    },
  });
  assert.deepEqual(doc.gateways[1]!.checks.find((c) => c.id === "ip-forward"), {
    id: "ip-forward",
    title: "ip_forward",
    status: "red",
    detail: "0",
    hint: "sysctl -w net.ipv4.ip_forward=1 (wgsite apply also persists it in /etc/sysctl.d/99-wgsite-wgB.conf)",
  });
  assert.doesNotMatch(JSON.stringify(doc), /hidden|cFake|PRIVATE/i);
});

test("--once text: summary, wg fields, each check with its fix, plain without color", () => {
  const text = statusText(site, views(alpha, { ...beta, ipForward: { runtime: false, persisted: true } }), { color: false });
  const lines = text.split("\n");
  assert.equal(lines[0], "alpha 10.10.10.0/24 <-> beta 10.10.11.0/24: beta ip_forward 0");
  assert.ok(lines.includes("alpha (root@192.0.2.11)  wgA"));
  assert.ok(lines.includes(`  peer        ${BETA_KEY}`));
  assert.ok(lines.includes("  handshake   2 s ago   keepalive 25 s   psk no"));
  assert.ok(lines.includes("  ✔ unit         active, enabled"));
  assert.ok(lines.includes("  ✖ ip_forward   0"));
  assert.ok(lines.includes("      fix: sysctl -w net.ipv4.ip_forward=1 (wgsite apply also persists it in /etc/sysctl.d/99-wgsite-wgB.conf)"));
  assert.doesNotMatch(text, /\x1b\[/);
  assert.match(statusText(site, views(alpha, beta), { color: true }), /\x1b\[32m✔\x1b\[0m/);
});
