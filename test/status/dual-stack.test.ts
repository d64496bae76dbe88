import assert from "node:assert/strict";
import { test } from "node:test";
import { loadSite } from "../../src/core/load-site.ts";
import { checks } from "../../src/status/checks.ts";
import { parseStatus, statusFacts } from "../../src/status/probe.ts";
import { probeTargets } from "../../src/status/targets.ts";
import { tick } from "./helpers.ts";

const result = loadSite(
  [
    "tunnel: { network: 10.10.9.0/31 }",
    "sites:",
    "  alpha: { lan: [10.10.10.0/24, '2001:db8:10::/64'], endpoint: 192.0.2.11, interface: wgA, ssh: a }",
    "  beta: { lan: [10.10.11.0/24, '2001:db8:11::/64'], endpoint: 192.0.2.12, interface: wgB, ssh: b }",
  ].join("\n"),
);
if (!result.ok) throw new Error(JSON.stringify(result.problems));
const site = result.site;
const own6 = [{ dev: "eth1", address: "2001:db8:10::1", cidr: "2001:db8:10::1/64" }];

test("dual-stack LANs: the probe pings the other IPv6 LAN from the gateway's own and reads IPv6 forwarding", () => {
  const t = probeTargets(site, 0, [], [], 1, own6, []);
  assert.deepEqual(t.ipv6, { remote: "2001:db8:11::1", local: "2001:db8:10::1" });
  const ids = statusFacts(t, { heavy: false }).map((f) => f.id);
  assert.ok(ids.includes("lan-ping6") && ids.includes("ip6-forward"), ids.join(","));
  assert.equal(probeTargets(site, 0, [], []).ipv6?.local, undefined, "without an IPv6 LAN address: forwarding only");
  const v4 = loadSite("tunnel: { network: 10.10.9.0/31 }\nsites:\n  alpha: { lan: 10.10.10.0/24, endpoint: 192.0.2.11, ssh: a }\n  beta: { lan: 10.10.11.0/24, endpoint: 192.0.2.12, ssh: b }\n");
  assert.ok(v4.ok);
  if (v4.ok) assert.equal(probeTargets(v4.site, 0, [], [], 1, own6, []).ipv6, undefined);
});

test("IPv6 forwarding off: red with the sysctl; a failed IPv6 LAN ping: red naming forwarding and AllowedIPs", () => {
  const t = probeTargets(site, 0, [], [], 1, own6, []);
  const text = "@@wgsite-fact ip6-forward\n0\n\n\n@@wgsite-fact-end\n@@wgsite-fact lan-ping6\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n\n@@wgsite-fact-end\n";
  const parsed = parseStatus(text, t).sample;
  assert.deepEqual(parsed.ip6Forward, { runtime: false, persisted: false });
  const base = tick("tick-alpha-heavy.txt");
  const list = checks(site, 0, { ...base, ip6Forward: parsed.ip6Forward!, lanPing6: parsed.lanPing6! }, tick("tick-beta-heavy.txt"));
  const f6 = list.find((c) => c.id === "ip6-forward")!;
  assert.equal(f6.status, "red");
  assert.match(f6.hint!, /sysctl -w net\.ipv6\.conf\.all\.forwarding=1/);
  assert.equal(list.find((c) => c.id === "lan-ping6")!.status, "red");
  const ok = checks(site, 0, { ...base, ip6Forward: { runtime: true, persisted: true }, lanPing6: { sent: 1, received: 1, lossPct: 0, rtt: { min: 0.4, avg: 0.4, max: 0.4 } } }, tick("tick-beta-heavy.txt"));
  assert.deepEqual(ok.filter((c) => c.id === "ip6-forward" || c.id === "lan-ping6").map((c) => [c.id, c.status, c.detail]), [["ip6-forward", "green", "1, persisted"], ["lan-ping6", "green", "0.4 ms"]]);
});
