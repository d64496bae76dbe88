import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { HostFacts, PathMtuFacts } from "../../src/core/host-facts.ts";
import { loadSite } from "../../src/core/load-site.ts";
import { chooseMtu, configMtu, tunnelMtuFor } from "../../src/core/mtu.ts";
import { plan } from "../../src/core/plan.ts";
import type { Site } from "../../src/core/site.ts";

const fresh = JSON.parse(readFileSync(new URL("../fixtures/facts/fresh-debian.json", import.meta.url), "utf8")) as HostFacts;

function site(tunnelExtra = "", endpoints: [string, string] = ["192.0.2.1", "192.0.2.2"]): Site {
  const result = loadSite(
    [
      `tunnel: { network: 10.10.9.0/31${tunnelExtra} }`,
      "sites:",
      `  alpha: { lan: [10.10.10.0/24], endpoint: '${endpoints[0]}', interface: wgA, ssh: a }`,
      `  beta: { lan: [10.10.11.0/24], endpoint: '${endpoints[1]}', interface: wgB, ssh: b }`,
      "firewall: { restrictPort: false }",
    ].join("\n"),
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.site;
}

/** One gateway's probe of its peer's endpoint `target` (the site file's host and the address probed). */
const probe = (target: string, pathMtu: number | undefined, linkMtu = 1500): PathMtuFacts => ({
  probes: { [target]: { target, family: target.includes(":") ? "ipv6" : "ipv4", linkMtu, ...(pathMtu === undefined ? {} : { pathMtu }) } },
  linkMtus: { host0: linkMtu, lan0: 1500 },
});
const facts = (p: PathMtuFacts | undefined, extra: Partial<HostFacts> = {}): HostFacts => ({ ...fresh, ...(p ? { pathMtu: p } : {}), ...extra });

test("WireGuard's overhead: 60 bytes over IPv4, 80 over IPv6", () => {
  assert.equal(tunnelMtuFor(1500, "ipv4"), 1440);
  assert.equal(tunnelMtuFor(1500, "ipv6"), 1420);
  assert.equal(tunnelMtuFor(1400, "ipv4"), 1340);
  assert.equal(configMtu("[Interface]\nMTU = 1340\n"), 1340);
  assert.equal(configMtu("[Interface]\n"), undefined);
});

test("a narrower path: the smaller direction minus the overhead, the same on both ends, MSS clamped", () => {
  const s = site();
  const both = [facts(probe("192.0.2.2", 1400)), facts(probe("192.0.2.1", 1420))] as const;
  for (const i of [0, 1] as const) {
    const choice = chooseMtu(s, i, both);
    assert.equal(choice.mtu, 1340);
    assert.equal(choice.clampMss, true);
    assert.equal(choice.note, "path MTU measured alpha -> 192.0.2.2: 1400, beta -> 192.0.2.1: 1420; MTU 1340 = 1400 - 60 (WireGuard over IPv4), below wg-quick's own 1420; MSS clamped: the path is narrower than the LAN (1500)");
  }
  const p = plan({ site: s, facts: both });
  assert.match(p.gateways[0].files[0]!.content, /^MTU = 1340$/m);
  assert.match(p.gateways[0].files[0]!.content, /^PostUp = iptables -w -t mangle -C FORWARD -o %i -p tcp --tcp-flags SYN,RST SYN .*-j TCPMSS --clamp-mss-to-pmtu$/m);
  assert.match(p.gateways[0].steps.find((st) => st.id === "config")!.reason!, /MTU 1340 = 1400 - 60/);
  assert.ok(p.gateways[0].steps.find((st) => st.id === "install")!.title.includes("iptables"), "the clamp needs iptables");
});

test("an IPv6 outer path costs 80 bytes", () => {
  const s = site("", ["2001:db8::1", "2001:db8::2"]);
  assert.equal(chooseMtu(s, 0, [facts(probe("2001:db8::2", 1400)), facts(probe("2001:db8::1", 1400))]).mtu, 1320);
});

test("a full path: wg-quick's own MTU fits, so the config stays as without a measurement", () => {
  const s = site();
  const choice = chooseMtu(s, 0, [facts(probe("192.0.2.2", 1500)), facts(probe("192.0.2.1", 1500))]);
  assert.deepEqual(choice, { clampMss: false, note: "path MTU measured alpha -> 192.0.2.2: 1500, beta -> 192.0.2.1: 1500; wg-quick's own 1420 fits (1500 - 60 = 1440); no MSS clamping: the path is as wide as the LAN" });
  assert.doesNotMatch(plan({ site: s, facts: [facts(probe("192.0.2.2", 1500)), facts(probe("192.0.2.1", 1500))] }).gateways[0].files[0]!.content, /MTU|TCPMSS/);
});

test("tunnel.mtu and tunnel.clampMss pin the choice; the plan still says what was measured", () => {
  const both = [facts(probe("192.0.2.2", 1400)), facts(probe("192.0.2.1", 1400))] as const;
  assert.deepEqual(chooseMtu(site(", mtu: 1300, clampMss: false"), 0, both), {
    mtu: 1300,
    clampMss: false,
    note: "path MTU measured alpha -> 192.0.2.2: 1400, beta -> 192.0.2.1: 1400; tunnel.mtu pins 1300; tunnel.clampMss: false",
  });
  assert.match(chooseMtu(site(", mtu: 1420"), 0, both).note!, /tunnel\.mtu pins 1420 \(more than the 1340 the path carries: big packets will be lost\)/);
});

test("a rerun keeps the running MTU when it still fits: a few bytes of probe noise restart nothing", () => {
  const running = facts(probe("192.0.2.2", 1404), { existingConfig: "[Interface]\nMTU = 1340\n" });
  assert.equal(chooseMtu(site(), 0, [running, facts(probe("192.0.2.1", 1404))]).mtu, 1340);
  const shrunk = facts(probe("192.0.2.2", 1380), { existingConfig: "[Interface]\nMTU = 1340\n" });
  assert.equal(chooseMtu(site(), 0, [shrunk, facts(probe("192.0.2.1", 1400))]).mtu, 1320, "a path that shrank wins");
});

test("nothing measured: offline keeps the site file's own, a silent endpoint is said so", () => {
  assert.deepEqual(chooseMtu(site(), 0, undefined), { clampMss: false });
  assert.deepEqual(chooseMtu(site(", mtu: 1380"), 0, undefined), { mtu: 1380, clampMss: false });
  assert.deepEqual(chooseMtu(site(), 0, [facts(probe("192.0.2.2", undefined)), facts(undefined)]), {
    clampMss: false,
    note: "path MTU not measured (192.0.2.2 does not answer don't-fragment pings): wg-quick picks the MTU",
  });
});
