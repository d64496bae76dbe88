import assert from "node:assert/strict";
import { test } from "node:test";
import { redLines } from "../../src/flows/status-watch.ts";
import { checks } from "../../src/status/checks.ts";
import type { GatewayView } from "../../src/status/report.ts";
import type { StatusSample } from "../../src/status/sample.ts";
import { captureSite, tick } from "./helpers.ts";

const site = captureSite();
const healthy = (s: StatusSample): StatusSample => ({ ...s, init: "systemd", unit: { enabled: true, active: true }, ipForward: { runtime: true, persisted: true } });
const alpha = healthy(tick("tick-alpha-heavy.txt"));
const beta = healthy(tick("tick-beta-heavy.txt"));
const views = (a: StatusSample, b: StatusSample): [GatewayView, GatewayView] => [
  { sample: a, checks: checks(site, 0, a, b) },
  { sample: b, checks: checks(site, 1, b, a) },
];

test("--exit-on-red names the red checks in fix order, each with its fix; none when all is well", () => {
  assert.deepEqual(redLines(site, views(alpha, beta)), []);
  assert.deepEqual(redLines(site, views(alpha, { ...beta, ipForward: { runtime: false, persisted: true }, unit: { enabled: true, active: false } })), [
    "beta unit: inactive, enabled (fix: systemctl start wg-quick@wgB)",
    "beta ip_forward: 0 (fix: sysctl -w net.ipv4.ip_forward=1 (wgsite apply also persists it in /etc/sysctl.d/99-wgsite-wgB.conf))",
  ]);
});

test("--exit-on-red: an unreachable gateway is named first", () => {
  assert.deepEqual(redLines(site, [views(alpha, beta)[0], { checks: [], error: "connection lost" }]), ["beta unreachable: connection lost"]);
});
