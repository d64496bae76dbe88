import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { loadSite } from "../../src/core/load-site.ts";
import { renderConfig } from "../../src/core/render-config.ts";
import type { Site } from "../../src/core/site.ts";

const ALPHA_PUB = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
const BETA_PUB = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=";

function load(path: string): Site {
  const result = loadSite(readFileSync(new URL(path, import.meta.url), "utf8"));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.site;
}

const golden = (name: string) => readFileSync(new URL(`../fixtures/golden/${name}`, import.meta.url), "utf8");

test("the reference design renders byte for byte (alpha)", () => {
  const site = load("../../examples/alpha-beta.yaml");
  const expected = [
    "[Interface]",
    "PostUp = wg set %i private-key /etc/wireguard/%i.key",
    "Address = 10.10.9.0/31",
    "ListenPort = 51000",
    "",
    "[Peer]",
    "# beta site",
    `PublicKey = ${BETA_PUB}`,
    "AllowedIPs = 10.10.11.0/24,10.10.9.0/31",
    "Endpoint = 198.51.100.7:51000",
    "",
  ].join("\n");
  assert.equal(renderConfig({ site, index: 0, peerPublicKey: BETA_PUB, backend: "iptables-nft" }).content, expected);
  assert.equal(expected, golden("reference-alpha.conf"));
});

test("the reference design renders byte for byte (beta)", () => {
  const site = load("../../examples/alpha-beta.yaml");
  const out = renderConfig({ site, index: 1, peerPublicKey: ALPHA_PUB, backend: "nftables" }).content;
  assert.equal(out, golden("reference-beta.conf"));
  assert.match(out, /^Address = 10\.10\.9\.1\/31$/m);
  assert.match(out, /^# alpha site$/m);
  assert.match(out, /^AllowedIPs = 10\.10\.10\.0\/24,10\.10\.9\.0\/31$/m);
});

test("every option, iptables backend", () => {
  const site = load("../../examples/full.yaml");
  assert.equal(renderConfig({ site, index: 0, peerPublicKey: BETA_PUB, backend: "iptables-nft" }).content, golden("full-alpha-iptables.conf"));
  assert.equal(renderConfig({ site, index: 1, peerPublicKey: ALPHA_PUB, backend: "iptables-legacy" }).content, golden("full-beta-iptables.conf"));
});

test("every option, nftables backend: rules in an own table, removed whole by PreDown", () => {
  const site = load("../../examples/full.yaml");
  const out = renderConfig({ site, index: 0, peerPublicKey: BETA_PUB, backend: "nftables" });
  assert.equal(out.content, golden("full-alpha-nftables.conf"));
  assert.equal(out.hooks.files.length, 1);
  assert.equal(out.hooks.files[0]!.content, golden("full-alpha.nft"));
});

test("each PostUp rule has a PreDown that deletes the same rule", () => {
  const site = load("../../examples/full.yaml");
  const { hooks } = renderConfig({ site, index: 0, peerPublicKey: BETA_PUB, backend: "iptables-nft" });
  const added = hooks.postUp.map((l) => l.split(" || ")[1]!.replace(" -I ", " X "));
  const removed = hooks.preDown.map((l) => l.split(" 2>/dev/null")[0]!.replace(" -D ", " X "));
  assert.deepEqual([...added].sort(), [...removed].sort());
  assert.ok(hooks.postUp.every((l) => l.includes("-m comment --comment wgsite:%i")));
});

test("secrets never go into the config: the PSK is set from a file like the private key", () => {
  const site = load("../../examples/full.yaml");
  const out = renderConfig({ site, index: 0, peerPublicKey: BETA_PUB, backend: "iptables-nft" }).content;
  assert.doesNotMatch(out, /PrivateKey|PresharedKey/);
  assert.match(out, new RegExp(`^PostUp = wg set %i peer ${BETA_PUB.replace(/[+/]/g, "\\$&")} preshared-key /etc/wireguard/%i\\.psk$`, "m"));
});

test("IPv6 endpoints are bracketed", () => {
  const result = loadSite("tunnel: { network: 10.10.9.0/31 }\nsites:\n  a: { lan: 10.0.1.0/24, endpoint: '2001:db8::1', ssh: gw-a }\n  b: { lan: 10.0.2.0/24, endpoint: 203.0.113.5, ssh: gw-b }\nfirewall: { restrictPort: false }\n");
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.match(renderConfig({ site: result.site, index: 1, peerPublicKey: ALPHA_PUB, backend: "none" }).content, /^Endpoint = \[2001:db8::1\]:51000$/m);
});
