import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { load, problems } from "../helpers/site-text.ts";
import { lockoutProblems } from "../../src/core/lockout.ts";
import { plan } from "../../src/core/plan.ts";
import { renderConfig } from "../../src/core/render-config.ts";
import { formatProblem, type Site } from "../../src/core/site.ts";
import { siteToYaml } from "../../src/core/site-yaml.ts";
import { peersOf, transferAddress } from "../../src/core/topology.ts";
import { FRESH } from "../helpers/applied-facts.ts";

const example = (name: string) => readFileSync(new URL(`../../examples/${name}.yaml`, import.meta.url), "utf8");
const golden = (name: string) => readFileSync(new URL(`../fixtures/golden/${name}`, import.meta.url), "utf8");
const MESH = example("mesh");
const HUB = example("hub");


/** Every gateway's config as the golden files hold them. */
function allConfigs(site: Site, backend: "iptables-nft" | "nftables"): string {
  return site.sites
    .map((s, i) => {
      const out = renderConfig({ site, index: i, peerPublicKey: (n) => `<${n} public key>`, backend });
      return `### ${s.name}: /etc/wireguard/${s.interface}.conf\n${out.content}${out.hooks.files.map((h) => `### ${s.name}: ${h.path}\n${h.content}`).join("")}`;
    })
    .join("\n");
}

/** A mesh of `n` sites 10.10.(10+i).0/24 on `network`. */
function meshText(n: number, network: string, extra = ""): string {
  const sites = Array.from({ length: n }, (_, i) => `  s${i}:\n    lan: [10.10.${10 + i}.0/24]\n    endpoint: 203.0.113.${i + 1}\n    interface: wg${i}\n    ssh: root@203.0.113.${i + 1}\n`).join("");
  return `tunnel: { network: ${network} }\n${extra}sites:\n${sites}`;
}

test("a 4-site mesh renders as its golden files (iptables and nftables)", () => {
  const site = load(MESH);
  assert.equal(allConfigs(site, "iptables-nft"), golden("mesh-4-iptables-nft.txt"));
  assert.equal(allConfigs(site, "nftables"), golden("mesh-4-nftables.txt"));
});

test("a 4-site hub with a spoke behind NAT renders as its golden file", () => {
  assert.equal(allConfigs(load(HUB), "iptables-nft"), golden("hub-4-iptables-nft.txt"));
});

test("mesh: one transfer net, addresses in site order, each peer carries its LANs and its transfer address", () => {
  const site = load(MESH);
  assert.deepEqual(site.sites.map((_, i) => transferAddress(site, i)), ["10.10.9.1", "10.10.9.2", "10.10.9.3", "10.10.9.4"]);
  const gamma = renderConfig({ site, index: 2, peerPublicKey: (n) => `<${n}>`, backend: "none" }).content;
  assert.match(gamma, /^Address = 10\.10\.9\.3\/29$/m);
  assert.deepEqual(gamma.match(/^AllowedIPs = .*$/gm), ["AllowedIPs = 10.10.10.0/24,10.10.9.1/32", "AllowedIPs = 10.10.11.0/24,10.10.9.2/32", "AllowedIPs = 10.10.13.0/24,10.20.13.0/24,10.10.9.4/32"]);
  assert.deepEqual(gamma.match(/^# .* site$/gm), ["# alpha site", "# beta site", "# delta site"]);
});

test("hub: a spoke's one peer is the hub, carrying every other site; the hub forwards between its peers without NAT", () => {
  const site = load(HUB);
  assert.deepEqual(peersOf(site, 1).map((p) => p.site.name), ["alpha"]);
  assert.deepEqual(peersOf(site, 1)[0]!.allowed, ["10.10.10.0/24", "10.10.12.0/24", "10.10.13.0/24", "10.10.9.1/32", "10.10.9.3/32", "10.10.9.4/32"]);
  assert.deepEqual(peersOf(site, 0).map((p) => p.site.name), ["beta", "gamma", "delta"]);
  const hub = renderConfig({ site, index: 0, peerPublicKey: (n) => `<${n}>`, backend: "iptables-nft" }).content;
  assert.match(hub, /^PostUp = .*-I FORWARD -i %i -o %i -m comment --comment wgsite:%i -j ACCEPT$/m);
  assert.match(hub, /^PreDown = iptables -w -D FORWARD -i %i -o %i -m comment --comment wgsite:%i -j ACCEPT 2>\/dev\/null \|\| true$/m);
  assert.doesNotMatch(hub, /MASQUERADE|SNAT|nat/);
  const spoke = renderConfig({ site, index: 1, peerPublicKey: (n) => `<${n}>`, backend: "iptables-nft" }).content;
  assert.doesNotMatch(spoke, /FORWARD/);
  const nft = renderConfig({ site, index: 0, peerPublicKey: (n) => `<${n}>`, backend: "nftables" }).hooks.files[0]!.content;
  assert.match(nft, /^\t\tiifname "wgA" oifname "wgA" accept$/m);
});

test("endpoint: none: keepalive 25 toward its peers, no Endpoint line for it on them", () => {
  const site = load(HUB);
  const delta = renderConfig({ site, index: 3, peerPublicKey: (n) => `<${n}>`, backend: "none" }).content;
  assert.match(delta, /^Endpoint = 192\.0\.2\.1:51000\nPersistentKeepalive = 25\n$/m);
  const hub = renderConfig({ site, index: 0, peerPublicKey: (n) => `<${n}>`, backend: "none" }).content;
  const deltaPeer = hub.slice(hub.indexOf("# delta site"));
  assert.doesNotMatch(deltaPeer, /Endpoint|PersistentKeepalive/);
  assert.doesNotMatch(hub, /PersistentKeepalive/);
  // A keepalive the file sets wins.
  const set = load(HUB.replace("  port: 51000", "  port: 51000\n  keepalive: 15"));
  assert.match(renderConfig({ site: set, index: 3, peerPublicKey: "k", backend: "none" }).content, /^PersistentKeepalive = 15$/m);
});

test("endpoint: none with two sites: the other side has no Endpoint line; restrictPort cannot name it and says so in the plan", () => {
  const text = example("alpha-beta").replace("endpoint: 198.51.100.7", "endpoint: none").replace("restrictPort: false", "restrictPort: true");
  const site = load(text);
  const alpha = renderConfig({ site, index: 0, peerPublicKey: "<beta>", backend: "iptables-nft" }).content;
  assert.doesNotMatch(alpha, /Endpoint|INPUT/);
  assert.match(renderConfig({ site, index: 1, peerPublicKey: "<alpha>", backend: "none" }).content, /^PersistentKeepalive = 25$/m);
  const warnings = plan({ site }).gateways[0]!.warnings.map((w) => w.message);
  assert.deepEqual(warnings, ["restrictPort cannot name beta's address (endpoint: none), so UDP 51000 stays open to any sender on alpha"]);
});

test("two sites still render the reference design, whatever the topology says", () => {
  const reference = load(example("alpha-beta"));
  const asHub = load(`${example("alpha-beta")}topology: { hub: alpha }\n`);
  const asMesh = load(`${example("alpha-beta")}topology: mesh\n`);
  for (const index of [0, 1]) {
    const want = golden(index === 0 ? "reference-alpha.conf" : "reference-beta.conf").replace(/^PublicKey = .*$/m, "PublicKey = <k>");
    for (const site of [reference, asHub, asMesh]) assert.equal(renderConfig({ site, index, peerPublicKey: "<k>", backend: "iptables-nft" }).content, want);
  }
});

test("validation: bad multi-site files exit with the field and the fix", () => {
  const cases: [string, string, RegExp][] = [
    ["transfer net too small", meshText(7, "10.10.9.0/29"), /^tunnel\.network: 10\.10\.9\.0\/29 holds 6 gateway addresses, and the file has 7 sites \(one address each\); use a \/28 or larger, e\.g\. 10\.10\.9\.0\/28$/],
    ["transfer net IPv6 too small for many", meshText(3, "fd00::/127"), /^tunnel\.network: .*too few addresses for 3 sites.*\/126/],
    ["LANs of a later pair overlap", meshText(4, "10.10.9.0/29").replace("10.10.13.0/24", "10.10.12.128/25"), /^sites\.s3\.lan\[0\]: 10\.10\.12\.128\/25 overlaps sites\.s2\.lan\[0\] 10\.10\.12\.0\/24; the sites are routed without NAT/],
    ["endpoints repeat", meshText(4, "10.10.9.0/29").replace("endpoint: 203.0.113.4", "endpoint: 203.0.113.2"), /^sites\.s3\.endpoint: 203\.0\.113\.2 is also s1's endpoint/],
    ["hub is no site", `${meshText(3, "10.10.9.0/29")}topology: { hub: omega }\n`, /^topology\.hub: omega is not one of the sites \(s0, s1, s2\); name the site whose gateway forwards between the others$/],
    ["topology unknown", `${meshText(3, "10.10.9.0/29")}topology: star\n`, /^topology: star is not a topology; use mesh .* or \{ hub: <site> \}/],
    ["topology typo", `${meshText(3, "10.10.9.0/29")}topology: { hbu: s0 }\n`, /^topology\.hbu: unknown key; did you mean "hub"\?/],
    [
      "a mesh pair without endpoints",
      meshText(3, "10.10.9.0/29").replace("endpoint: 203.0.113.2", "endpoint: none").replace("endpoint: 203.0.113.3", "endpoint: none"),
      /^sites\.s2\.endpoint: s1 and s2 both have endpoint: none, so neither can reach the other; give one of them its public address, or route them through a site that has one \(topology: \{ hub: s0 \}\)$/,
    ],
    [
      "a hub without endpoint and a hidden spoke",
      `${meshText(3, "10.10.9.0/29").replace("endpoint: 203.0.113.1", "endpoint: none").replace("endpoint: 203.0.113.3", "endpoint: none")}topology: { hub: s0 }\n`,
      /^sites\.s2\.endpoint: s2 and the hub s0 both have endpoint: none/,
    ],
    ["ssh inside a third site's LAN", meshText(3, "10.10.9.0/29").replace("ssh: root@203.0.113.1", "ssh: root@10.10.12.9"), /^sites\.s0\.ssh: 10\.10\.12\.9 is inside sites\.s2\.lan\[0\] 10\.10\.12\.0\/24/],
    ["too many sites", meshText(65, "10.10.0.0/24").replace(/10\.10\.(\d+)\.0\/24\]/g, (_, n) => `10.${100 + Number(n)}.0.0/24]`).replace(/203\.0\.113\.(\d+)/g, (_, n) => `198.18.${n}.1`), /^sites: has 65 sites; wgsite joins at most 64/],
  ];
  for (const [name, text, expect] of cases) {
    const lines = problems(text);
    assert.ok(lines.some((l) => expect.test(l)), `${name}: ${lines.join("\n")}`);
  }
});

test("spokes without endpoints are fine around a hub that has one", () => {
  const text = `${meshText(4, "10.10.9.0/29").replace("endpoint: 203.0.113.2", "endpoint: none").replace("endpoint: 203.0.113.3", "endpoint: none")}topology: { hub: s0 }\n`;
  const site = load(text);
  assert.deepEqual(site.topology, { kind: "hub", hub: "s0" });
  assert.equal(site.sites[1]!.endpoint.host, undefined);
  assert.equal(site.sites[1]!.endpoint.port, 51000);
});

test("64 sites on a /25, and the YAML written back reads as the same site", () => {
  const site = load(meshText(64, "10.9.0.0/25").replace(/10\.10\.(\d+)\.0\/24\]/g, (_, n) => `10.${100 + Number(n)}.0.0/24]`).replace(/203\.0\.113\.(\d+)/g, (_, n) => `198.18.${n}.1`));
  assert.equal(site.sites.length, 64);
  assert.equal(transferAddress(site, 63), "10.9.0.64");
  const hub = load(HUB);
  assert.deepEqual(load(siteToYaml(hub)), hub);
});

test("plan: one gateway plan per site; every peer's key a binding; every other site verified (a spoke pair via the hub)", () => {
  const site = load(HUB);
  const offline = plan({ site });
  assert.equal(offline.gateways.length, 4);
  assert.deepEqual(offline.gateways.map((g) => g.index), [0, 1, 2, 3]);
  const online = plan({ site, facts: site.sites.map(() => FRESH), runId: "r1" });
  assert.deepEqual(online.gateways[0]!.bindings.map((b) => b.site), ["beta", "gamma", "delta"]);
  assert.deepEqual(online.gateways[2]!.bindings.map((b) => b.site), ["alpha"]);
  assert.deepEqual(online.gateways[1]!.pairs!.map((p) => [p.site, p.peerTunnelAddress, p.via]), [["alpha", "10.10.9.1", undefined], ["gamma", "10.10.9.3", "alpha"], ["delta", "10.10.9.4", "alpha"]]);
  assert.deepEqual(online.gateways[0]!.pairs!.map((p) => p.via), [undefined, undefined, undefined]);
});

test("lockout: every gateway is guarded against every other site's LANs and the transfer net", () => {
  const site = load(MESH);
  const hit = (client: string) => lockoutProblems(site, 0, { ...FRESH, routes: [], connected: [] }, { sshClient: client, jumpHosts: [] }).map(formatProblem);
  assert.match(hit("10.10.12.7")[0]!, /^sites\.alpha\.ssh: alpha is reached from 10\.10\.12\.7 .* inside sites\.gamma\.lan\[0\] 10\.10\.12\.0\/24/);
  assert.match(hit("10.20.13.5")[0]!, /inside sites\.delta\.lan\[1\] 10\.20\.13\.0\/24/);
  assert.match(hit("10.10.9.5")[0]!, /inside tunnel\.network 10\.10\.9\.0\/29/);
  assert.deepEqual(hit("192.0.2.200"), []);
});

test("the hub gets a firewall tool for its FORWARD accept, the spokes do not need one", () => {
  const site = load(HUB);
  const installs = plan({ site, facts: site.sites.map(() => FRESH), runId: "r1" }).gateways.map((g) => g.steps.find((s) => s.id === "install")!.title);
  assert.deepEqual(installs, ["Install wireguard-tools, wireguard-go, iptables", "Install wireguard-tools, wireguard-go", "Install wireguard-tools, wireguard-go", "Install wireguard-tools, wireguard-go"]);
});

test("adding a site with restrictPort on: the others take the new peer's accept live, no restart", () => {
  const four = load(MESH);
  const five = load(MESH.replace("firewall:", "  epsilon:\n    lan: [10.10.14.0/24]\n    endpoint: 203.0.113.50\n    interface: wgE\n    ssh: root@203.0.113.50\nfirewall:"));
  const keys = ["alpha", "beta", "gamma", "delta", "epsilon"].map((_, i) => Buffer.alloc(32, i + 1).toString("base64"));
  const keyOf = (name: string) => keys[five.sites.findIndex((s) => s.name === name)]!;
  const running = {
    ...FRESH,
    publicKey: keys[0]!,
    existingConfig: renderConfig({ site: four, index: 0, peerPublicKey: keyOf, backend: "iptables-nft" }).content,
    installed: { ...FRESH.installed, wg: true, wgQuick: true, wireguardGo: true, iptables: true },
    firewall: { ...FRESH.firewall, backend: "iptables-nft" as const },
    unit: { active: true, enabled: true },
    interfaceUp: true,
    ipForward: { runtime: true, persisted: true },
  };
  const alpha = plan({ site: five, facts: [running, undefined, undefined, undefined, undefined], runId: "R2" }).gateways[0]!;
  assert.equal(alpha.traffic.effect, "live", alpha.traffic.text);
  assert.ok(!alpha.steps.some((s) => s.id === "stop"));
  const restrict = alpha.steps.find((s) => s.id === "restrict")!;
  assert.equal(restrict.title, "Update restrictPort's INPUT rules live: accept 1 new peer address");
  const run = restrict.ops[0]!.op === "run" ? restrict.ops[0]!.sh : "";
  assert.equal(run, "{ iptables -w -C INPUT -p udp --dport 51000 -s 203.0.113.50 -m comment --comment wgsite:wgA -j ACCEPT 2>/dev/null || iptables -w -I INPUT -p udp --dport 51000 -s 203.0.113.50 -m comment --comment wgsite:wgA -j ACCEPT; }");
  const undo = restrict.undo[0]!.op === "run" ? restrict.undo[0]!.sh : "";
  assert.equal(undo, "{ iptables -w -D INPUT -p udp --dport 51000 -s 203.0.113.50 -m comment --comment wgsite:wgA -j ACCEPT 2>/dev/null || true; }");
  // Dropping it again deletes exactly that accept, still live.
  const back = plan({ site: four, facts: [{ ...running, existingConfig: renderConfig({ site: five, index: 0, peerPublicKey: keyOf, backend: "iptables-nft" }).content }, undefined, undefined, undefined], runId: "R3" }).gateways[0]!;
  assert.equal(back.traffic.effect, "live");
  assert.match(back.steps.find((s) => s.id === "restrict")!.title, /drop the accept of 1 former peer$/);
});
