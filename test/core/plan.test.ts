import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { HostFacts } from "../../src/core/host-facts.ts";
import { loadSite } from "../../src/core/load-site.ts";
import { plan } from "../../src/core/plan.ts";
import { planToJson, planToText } from "../../src/core/format-plan.ts";
import { renderConfig } from "../../src/core/render-config.ts";
import type { Step } from "../../src/core/plan-types.ts";
import { opsShell } from "../../src/remote/ops-shell.ts";
import type { Site } from "../../src/core/site.ts";

const ALPHA_PUB = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
const BETA_PUB = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=";

const shell = (step: Step, runId = "R1") => opsShell(step.ops, { runId });

function site(): Site {
  const result = loadSite(readFileSync(new URL("../../examples/alpha-beta.yaml", import.meta.url), "utf8"));
  if (!result.ok) throw new Error("example invalid");
  return result.site;
}

const fresh = JSON.parse(readFileSync(new URL("../fixtures/facts/fresh-debian.json", import.meta.url), "utf8")) as HostFacts;
const freshBeta: HostFacts = {
  ...fresh,
  connected: [{ dev: "host0", address: "192.0.2.2", cidr: "192.0.2.2/24" }, { dev: "lan0", address: "10.10.11.1", cidr: "10.10.11.1/24" }],
  privilege: "sudo-password",
};

/** A gateway as wgsite leaves it: the next plan must have nothing to do. */
function converged(s: Site, index: 0 | 1, base: HostFacts): HostFacts {
  const own = index === 0 ? ALPHA_PUB : BETA_PUB;
  const peer = index === 0 ? BETA_PUB : ALPHA_PUB;
  const iface = s.sites[index].interface;
  return {
    ...base,
    installed: { wg: true, wgQuick: true, wireguardGo: true, iptables: false, nft: false },
    existingConfig: renderConfig({ site: s, index, peerPublicKey: peer, backend: "none" }).content,
    publicKey: own,
    files: { [`/etc/sysctl.d/99-wgsite-${iface}.conf`]: `# managed by wgsite: routed site-to-site traffic through ${iface}\nnet.ipv4.ip_forward = 1\n` },
    interfaceUp: true,
    unit: { enabled: true, active: true },
    ipForward: { runtime: true, persisted: true },
  };
}

test("offline plan: files, steps in order, placeholders for unknown keys", () => {
  const p = plan({ site: site() });
  const [alpha, beta] = p.gateways;
  assert.deepEqual(alpha.steps.map((s) => s.id), ["install", "keys", "config", "forwarding", "unit"]);
  assert.equal(alpha.files[0]!.path, "/etc/wireguard/wgA.conf");
  assert.equal(alpha.files[0]!.mode, "0600");
  assert.match(alpha.files[0]!.content, /^PublicKey = <beta public key>$/m);
  assert.match(beta.files[0]!.content, /^PublicKey = <alpha public key>$/m);
  assert.ok(alpha.steps.every((s) => !s.noop), "offline nothing is known to be done");
  assert.equal(alpha.verify.peerTunnelAddress, "10.10.9.1");
  assert.equal(beta.verify.peerTunnelAddress, "10.10.9.0");
});

test("fresh gateways: every step changes, installs tools and wireguard-go, enables the unit", () => {
  const p = plan({ site: site(), facts: [fresh, freshBeta], runId: "R1" });
  const alpha = p.gateways[0];
  assert.ok(alpha.steps.every((s) => !s.noop));
  assert.match(shell(alpha.steps[0]!), /apt-get .*install --no-install-recommends wireguard-tools wireguard-go\n\}$/);
  assert.doesNotMatch(shell(alpha.steps[0]!), / wireguard( |$)/, "never the metapackage");
  assert.match(shell(alpha.steps[1]!), /umask 077 && wg genkey > \/etc\/wireguard\/wgA\.key/);
  assert.deepEqual(alpha.steps.find((s) => s.id === "unit")!.ops, [{ op: "unit", init: "systemd", action: "enable-start", iface: "wgA" }]);
  assert.equal(alpha.traffic.effect, "start");
  assert.deepEqual(alpha.bindings, [{ token: "<beta public key>", site: "beta", value: "public-key" }]);
  assert.equal(alpha.verify.localLanAddress, "10.10.10.1");
  assert.equal(alpha.verify.remoteProbe, "10.10.11.1");
});

test("verification pings up to two hosts the other gateway heard on its LAN: reachable first, never its own or outside addresses", () => {
  const neighbors = [
    { address: "192.0.2.1", dev: "host0", reachable: true },
    { address: "10.10.11.1", dev: "lan0", reachable: true },
    { address: "10.10.11.30", dev: "lan0", reachable: false },
    { address: "10.10.11.20", dev: "lan0", reachable: false },
    { address: "10.10.11.40", dev: "lan0", reachable: true },
  ];
  const p = plan({ site: site(), facts: [fresh, { ...freshBeta, neighbors }], runId: "R1" });
  assert.deepEqual(p.gateways[0].verify.remoteHosts, ["10.10.11.40", "10.10.11.20"]);
  assert.equal(p.gateways[1].verify.remoteHosts, undefined, "alpha heard nobody");
  assert.match(planToText(p), /Verify: handshake, ping 10\.10\.9\.1, route to 10\.10\.11\.1 via wgA, ping 10\.10\.11\.1 from 10\.10\.10\.1 \(and once with wgA's whole MTU, don't fragment\), ping 10\.10\.11\.40 and 10\.10\.11\.20 \(heard on the other LAN\) from 10\.10\.10\.1$/m);
  // Without an address in its own LAN the gateway cannot send from it: no host pings.
  const noLan: HostFacts = { ...fresh, connected: fresh.connected.filter((c) => c.dev !== "lan0") };
  assert.equal(plan({ site: site(), facts: [noLan, { ...freshBeta, neighbors }], runId: "R1" }).gateways[0].verify.remoteHosts, undefined);
});

test("converged gateways: nothing to do, no restart", () => {
  const s = site();
  const facts = [converged(s, 0, fresh), converged(s, 1, freshBeta)] as const;
  const p = plan({ site: s, facts, runId: "R2" });
  for (const g of p.gateways) {
    assert.deepEqual(g.steps.filter((st) => !st.noop).map((st) => st.id), [], `${g.site} has work`);
  }
});

test("a changed [Interface] takes the unit down with its old config first, then up with the new; a backup is kept until verified", () => {
  const s = site();
  const alpha = { ...converged(s, 0, fresh), existingConfig: "[Interface]\n# old\n" };
  const p = plan({ site: s, facts: [alpha, converged(s, 1, freshBeta)], runId: "R3" });
  const steps = p.gateways[0].steps.filter((st) => !st.noop);
  assert.deepEqual(steps.map((st) => st.id), ["stop", "config", "unit"]);
  assert.deepEqual(steps[0]!.ops, [{ op: "unit", init: "systemd", action: "stop", iface: "wgA" }, { op: "sweep-rules", iface: "wgA" }]);
  assert.match(shell(steps[1]!, "R3"), /cp -p \/etc\/wireguard\/wgA\.conf \/etc\/wireguard\/wgA\.conf\.wgsite-backup-R3/);
  assert.match(shell(steps[1]!), /mv -f \/etc\/wireguard\/wgA\.conf\.wgsite-tmp \/etc\/wireguard\/wgA\.conf/);
  assert.deepEqual(steps[2]!.ops, [{ op: "unit", init: "systemd", action: "enable-start", iface: "wgA" }]);
  assert.equal(p.gateways[0].traffic.effect, "restart");
  assert.deepEqual(p.gateways[1].steps.filter((st) => !st.noop).map((st) => st.id), []);
  assert.equal(p.gateways[1].traffic.effect, "none");
});

test("plan JSON has the documented shape", () => {
  const json = planToJson(plan({ site: site() })) as { gateways: { site: string; interface: string; files: { path: string; mode: string; content: string }[]; steps: { id: string; title: string }[] }[] };
  assert.equal(json.gateways.length, 2);
  assert.equal(json.gateways[0]!.site, "alpha");
  assert.equal(json.gateways[0]!.interface, "wgA");
  assert.equal(json.gateways[0]!.files[0]!.path, "/etc/wireguard/wgA.conf");
  assert.equal(json.gateways[0]!.files[0]!.mode, "0600");
  assert.ok(json.gateways[0]!.steps.every((s) => typeof s.id === "string" && typeof s.title === "string"));
});
