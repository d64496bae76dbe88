import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { loadSite } from "../../src/core/load-site.ts";
import { defaultSiteFileName, siteToShape, siteToYaml } from "../../src/core/site-yaml.ts";
import type { Site } from "../../src/core/site.ts";

function load(text: string): Site {
  const result = loadSite(text);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.site;
}

const example = (name: string) => load(readFileSync(new URL(`../../examples/${name}.yaml`, import.meta.url), "utf8"));

test("the reference site serializes to a short, readable site file", () => {
  assert.equal(
    siteToYaml(example("alpha-beta"), { header: ["wgsite site file: alpha <-> beta"] }),
    [
      "# wgsite site file: alpha <-> beta",
      "",
      "tunnel:",
      "  network: 10.10.9.0/31",
      "  port: 51000",
      "  presharedKey: false",
      "sites:",
      "  alpha:",
      "    lan: [10.10.10.0/24]",
      "    endpoint: 192.0.2.1",
      "    interface: wgA",
      "    ssh: root@192.0.2.1",
      "  beta:",
      "    lan: [10.10.11.0/24]",
      "    endpoint: 198.51.100.7",
      "    interface: wgB",
      "    ssh: ops@198.51.100.7:2222",
      "firewall:",
      "  restrictPort: false",
      "",
    ].join("\n"),
  );
});

test("every example round-trips through loadSite to the same site", () => {
  for (const name of ["alpha-beta", "full"]) {
    const site = example(name);
    assert.deepEqual(load(siteToYaml(site)), site, name);
  }
});

test("every option of the full example is written: keepalive, mtu, psk, several LANs, block rules, an endpoint port", () => {
  const text = siteToYaml(example("full"));
  assert.match(text, /^ {2}keepalive: 25$/m);
  assert.match(text, /^ {2}mtu: 1380$/m);
  assert.match(text, /^ {2}presharedKey: true$/m);
  assert.match(text, /^ {4}lan: \[10\.10\.10\.0\/24, 10\.20\.0\.0\/16\]$/m);
  assert.match(text, /^ {4}endpoint: vpn-beta\.example\.net:51001$/m, "a port other than the tunnel's is kept");
  assert.match(text, /^ {2}block:\n {4}- \{proto: tcp, port: 22\}\n {4}- \{proto: icmp\}$/m);
});

test("an IPv6 endpoint on another port is bracketed, and still round-trips", () => {
  const site = example("alpha-beta");
  const v6: Site = { ...site, sites: [{ ...site.sites[0], endpoint: { host: "2001:db8::1", port: 51002 } }, site.sites[1]] };
  const text = siteToYaml(v6);
  assert.match(text, /endpoint: "?\[2001:db8::1\]:51002"?/);
  assert.deepEqual(load(text), v6);
});

test("keepalive 0 is left out (it is the default); the shape is what the schema reads", () => {
  const shape = siteToShape(example("alpha-beta"));
  assert.equal("keepalive" in shape.tunnel!, false);
  assert.deepEqual(shape.sites.alpha, { lan: ["10.10.10.0/24"], endpoint: "192.0.2.1", interface: "wgA", ssh: "root@192.0.2.1" });
});

test("the suggested file name joins the two site names", () => {
  assert.equal(defaultSiteFileName("alpha", "beta"), "./alpha-beta.yaml");
});
