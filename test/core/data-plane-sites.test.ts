import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { load, problems } from "../helpers/site-text.ts";
import type { HostFacts, PathMtuFacts } from "../../src/core/host-facts.ts";
import { lockoutProblems } from "../../src/core/lockout.ts";
import { chooseMtu } from "../../src/core/mtu.ts";
import { plan } from "../../src/core/plan.ts";
import { renderConfig } from "../../src/core/render-config.ts";
import { formatProblem } from "../../src/core/site.ts";
import { siteToYaml } from "../../src/core/site-yaml.ts";
import { checks } from "../../src/status/checks.ts";
import { parseStatus, statusFacts } from "../../src/status/probe.ts";
import { probeTargets } from "../../src/status/targets.ts";

const fresh = JSON.parse(readFileSync(new URL("../fixtures/facts/fresh-debian.json", import.meta.url), "utf8")) as HostFacts;


const TWO = (tunnel: string, betaLan = "10.10.11.0/24") =>
  [
    `tunnel: { network: 10.10.9.0/31${tunnel} }`,
    "sites:",
    "  alpha: { lan: [10.10.10.0/24, '2001:db8:10::/64'], endpoint: 192.0.2.1, interface: wgA, ssh: root@192.0.2.1 }",
    `  beta: { lan: [${betaLan}], endpoint: 192.0.2.2, interface: wgB, ssh: root@192.0.2.2 }`,
  ].join("\n");

/** `n` sites s0..s(n-1), 10.10.(10+i).0/24 behind 203.0.113.(i+1). */
const many = (n: number, tunnel = "", topology = "") =>
  `tunnel: { network: 10.10.9.0/29${tunnel} }\n${topology}sites:\n${Array.from({ length: n }, (_, i) => `  s${i}: { lan: [10.10.${10 + i}.0/24], endpoint: 203.0.113.${i + 1}, interface: wg${i}, ssh: root@203.0.113.${i + 1} }\n`).join("")}firewall: { restrictPort: false }\n`;

test("tunnel.network6: an IPv6 transfer net beside the IPv4 one, ::0 and ::1 of a /127 (RFC 6164), the whole net in AllowedIPs", () => {
  const site = load(TWO(", network6: '2001:db8:9::/127'"));
  const [a, b] = [0, 1].map((i) => renderConfig({ site, index: i, peerPublicKey: "<k>", backend: "iptables-nft" }).content);
  assert.match(a!, /^Address = 10\.10\.9\.0\/31\nAddress = 2001:db8:9::\/127\nListenPort = 51000$/m);
  assert.match(b!, /^Address = 10\.10\.9\.1\/31\nAddress = 2001:db8:9::1\/127$/m);
  assert.match(a!, /^AllowedIPs = 10\.10\.11\.0\/24,10\.10\.9\.0\/31,2001:db8:9::\/127$/m);
  assert.deepEqual(plan({ site }).gateways[0]!.verify.peerTunnelAddress6, "2001:db8:9::1");
  assert.match(siteToYaml(site), /network6: 2001:db8:9::\/127/, "the file round-trips");
  assert.doesNotMatch(renderConfig({ site: load(TWO("")), index: 0, peerPublicKey: "<k>", backend: "iptables-nft" }).content, /2001:db8:9|Address = .*\nAddress/, "absent: IPv4 only, as before");
});

test("tunnel.network6 with more sites: network + 1 + index, each peer's /128 in its AllowedIPs", () => {
  const site = load(many(3, ", network6: '2001:db8:9::/125'"));
  const s1 = renderConfig({ site, index: 1, peerPublicKey: (n) => `<${n}>`, backend: "none" }).content;
  assert.match(s1, /^Address = 2001:db8:9::2\/125$/m);
  assert.match(s1, /^AllowedIPs = 10\.10\.10\.0\/24,10\.10\.9\.1\/32,2001:db8:9::1\/128$/m);
  assert.match(s1, /^AllowedIPs = 10\.10\.12\.0\/24,10\.10\.9\.3\/32,2001:db8:9::3\/128$/m);
  const hub = load(many(3, ", network6: '2001:db8:9::/125'", "topology: { hub: s0 }\n"));
  assert.match(renderConfig({ site: hub, index: 1, peerPublicKey: (n) => `<${n}>`, backend: "none" }).content, /^AllowedIPs = 10\.10\.10\.0\/24,10\.10\.12\.0\/24,10\.10\.9\.1\/32,10\.10\.9\.3\/32,2001:db8:9::1\/128,2001:db8:9::3\/128$/m);
});

test("tunnel.network6 refused when it is not an IPv6 /127 (two sites), too small, special, or overlaps a LAN", () => {
  assert.match(problems(TWO(", network6: '2001:db8:9::/64'")).join("\n"), /^tunnel\.network6: '?2001:db8:9::\/64'? must be a \/127 \(RFC 6164\).*2001:db8:9::\/127/m);
  assert.match(problems(TWO(", network6: 10.10.8.0/31")).join("\n"), /^tunnel\.network6: .*is not IPv6/m);
  assert.match(problems(TWO(", network6: 'fe80::/127'")).join("\n"), /^tunnel\.network6: fe80::\/127 overlaps link-local/m);
  assert.match(problems(TWO(", network6: '2001:db8:10::/127'")).join("\n"), /^sites\.alpha\.lan\[1\]: 2001:db8:10::\/64 overlaps the transfer net 2001:db8:10::\/127 \(tunnel\.network6\)/m);
  assert.match(problems(many(8, ", network6: '2001:db8:9::/126'").replace("10.10.9.0/29", "10.10.9.0/28")).join("\n"), /^tunnel\.network6: .*too few addresses for 8 sites.*use a \/124 or larger/m);
  assert.match(problems(TWO(", network6: '2001:db8:9::/127', netwrk6: x")).join("\n"), /netwrk6/);
});

test("lockout guard on IPv6: a session from inside the other site's IPv6 LAN or the IPv6 transfer net is refused, an own link overlapping them too", () => {
  const site = load(TWO(", network6: '2001:db8:9::/127'", "10.10.11.0/24, '2001:db8:11::/64'"));
  const fromLan = lockoutProblems(site, 0, fresh, { sshClient: "2001:db8:11::50", jumpHosts: [] });
  assert.match(fromLan.map(formatProblem).join("\n"), /^sites\.alpha\.ssh: alpha is reached from 2001:db8:11::50 .*inside sites\.beta\.lan\[1\] 2001:db8:11::\/64/m);
  assert.match(lockoutProblems(site, 0, fresh, { sshClient: "2001:db8:9::1", jumpHosts: [] }).map(formatProblem).join("\n"), /inside tunnel\.network6 2001:db8:9::\/127/);
  const routed: HostFacts = { ...fresh, routes: [...fresh.routes, { dst: "2001:db8:11::50/128", dev: "eth0" }] };
  assert.deepEqual(lockoutProblems(site, 0, routed, { sshClient: "2001:db8:11::50", jumpHosts: [] }), [], "a more specific route keeps the session where it is");
  const linked: HostFacts = { ...fresh, connected6: [{ dev: "eth0", address: "2001:db8:11::9", cidr: "2001:db8:11::9/64" }] };
  assert.match(lockoutProblems(site, 0, linked, { jumpHosts: [] }).map(formatProblem).join("\n"), /2001:db8:11::\/64 overlaps alpha's connected network 2001:db8:11::\/64 on eth0/);
});

/** Gateway facts whose path-MTU probes found `paths` (endpoint host -> path MTU). */
const probing = (paths: Record<string, number>): HostFacts => {
  const pathMtu: PathMtuFacts = {
    probes: Object.fromEntries(Object.entries(paths).map(([host, mtu]) => [host, { target: host, family: "ipv4" as const, linkMtu: 1500, pathMtu: mtu }])),
    linkMtus: { host0: 1500, lan0: 1500 },
  };
  return { ...fresh, pathMtu };
};

test("path MTU with more sites, mesh: each gateway takes the narrowest of its own pairs; the others keep wg-quick's", () => {
  const site = load(many(3));
  // s0 <-> s1 drops above 1400 (both directions measured); s2's paths are clean.
  const facts = [
    probing({ "203.0.113.2": 1400, "203.0.113.3": 1500 }),
    probing({ "203.0.113.1": 1400, "203.0.113.3": 1500 }),
    probing({ "203.0.113.1": 1500, "203.0.113.2": 1500 }),
  ];
  assert.equal(chooseMtu(site, 0, facts).mtu, 1340);
  assert.equal(chooseMtu(site, 1, facts).mtu, 1340);
  assert.equal(chooseMtu(site, 2, facts).mtu, undefined, "wg-quick's 1420 fits s2's paths");
  assert.match(chooseMtu(site, 0, facts).note!, /^path MTU measured s0 -> 203\.0\.113\.2: 1400, s0 -> 203\.0\.113\.3: 1500, s1 -> 203\.0\.113\.1: 1400, s2 -> 203\.0\.113\.1: 1500; MTU 1340 = 1400 - 60/);
});

test("path MTU around a hub: every pair counts, as spoke-to-spoke traffic crosses two; a spoke without an endpoint is measured from its side", () => {
  const text = many(3, "", "topology: { hub: s0 }\n").replace("endpoint: 203.0.113.3", "endpoint: none");
  const site = load(text);
  // s2 has no endpoint: only its own probe of the hub tells its path (1380).
  const facts = [probing({ "203.0.113.2": 1500 }), probing({ "203.0.113.1": 1500 }), probing({ "203.0.113.1": 1380 })];
  for (const i of [0, 1, 2]) assert.equal(chooseMtu(site, i, facts).mtu, 1320, `s${i}`);
});

test("the status probe pings the peer's IPv6 transfer address; its check is red with the fix when it does not answer", () => {
  const site = load(TWO(", network6: '2001:db8:9::/127'"));
  const t = probeTargets(site, 0, [], []);
  assert.equal(t.peerTunnelAddress6, "2001:db8:9::1");
  assert.ok(statusFacts(t, { heavy: false }).some((f) => f.id === "tunnel-ping6" && f.command({ iface: "wgA", port: 51000 }).includes("2001:db8:9::1")));
  const out = "@@wgsite-fact clock\n100\n@@wgsite-fact-end\n@@wgsite-fact tunnel-ping6\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n\n@@wgsite-fact-end\n";
  const sample = parseStatus(out, t).sample;
  const c = checks(site, 0, sample, undefined).find((x) => x.id === "tunnel-ping6")!;
  assert.equal(c.status, "red");
  assert.match(c.hint!, /tunnel\.network6/);
  assert.equal(probeTargets(load(TWO("")), 0, [], []).peerTunnelAddress6, undefined);
});

test("an IPv6 transfer net instead of the IPv4 one: tunnel.network as a /127, the tunnel pinged over it", () => {
  const text = TWO("").replace("network: 10.10.9.0/31", "network: '2001:db8:9::/127'");
  const site = load(text);
  const alpha = renderConfig({ site, index: 0, peerPublicKey: "<k>", backend: "none" }).content;
  assert.match(alpha, /^Address = 2001:db8:9::\/127\nListenPort = 51000$/m);
  assert.match(alpha, /^AllowedIPs = 10\.10\.11\.0\/24,2001:db8:9::\/127$/m);
  assert.equal(plan({ site }).gateways[0]!.verify.peerTunnelAddress, "2001:db8:9::1");
  const mesh = load(many(3).replace("network: 10.10.9.0/29", "network: '2001:db8:9::/125'"));
  assert.match(renderConfig({ site: mesh, index: 0, peerPublicKey: (n) => `<${n}>`, backend: "none" }).content, /^AllowedIPs = 10\.10\.11\.0\/24,2001:db8:9::2\/128$/m);
  assert.match(problems(text.replace("network: '2001:db8:9::/127'", "network: '2001:db8:9::/127', network6: '2001:db8:8::/127'")).join("\n"), /^tunnel\.network6: tunnel\.network 2001:db8:9::\/127 is IPv6 already/m);
  assert.match(problems(text.replace("/127'", "/120'")).join("\n"), /^tunnel\.network: .*must be a \/127/m);
});
