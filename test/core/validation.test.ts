import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { loadSite } from "../../src/core/load-site.ts";
import { formatProblem } from "../../src/core/site.ts";

const REFERENCE = readFileSync(new URL("../../examples/alpha-beta.yaml", import.meta.url), "utf8");

/** Each case edits the reference file and names the problem line it must produce. */
const BAD: readonly { name: string; edit: (text: string) => string; expect: RegExp }[] = [
  { name: "malformed YAML", edit: (t) => t.replace("  port: 51000", "  port: [51000"), expect: /^line \d+, column \d+: .*fix the YAML syntax/ },
  { name: "tab indentation", edit: (t) => t.replace("  port: 51000", "\tport: 51000"), expect: /^line \d+, column \d+:/ },
  { name: "duplicate key", edit: (t) => t.replace("  port: 51000", "  port: 51000\n  port: 51001"), expect: /^line \d+, column \d+:/ },
  { name: "empty file", edit: () => "", expect: /the site file is empty/ },
  { name: "unknown key typo lans", edit: (t) => t.replace("    lan: [10.10.10.0/24]", "    lans: [10.10.10.0/24]"), expect: /^sites\.alpha\.lans: unknown key; did you mean "lan"\?/ },
  { name: "unknown top-level key", edit: (t) => `${t}extra: 1\n`, expect: /^extra: unknown key; remove it/ },
  { name: "unknown tunnel key", edit: (t) => t.replace("  port: 51000", "  prot: 51000"), expect: /^tunnel\.prot: unknown key; did you mean "port"\?/ },
  { name: "missing tunnel", edit: (t) => t.replace(/^tunnel:\n  network: .*\n  port: .*\n/m, ""), expect: /^tunnel: missing/ },
  { name: "missing network", edit: (t) => t.replace("  network: 10.10.9.0/31\n", ""), expect: /^tunnel\.network: missing; add it, e\.g\. network: 10\.10\.9\.0\/31/ },
  { name: "missing ssh", edit: (t) => t.replace("    ssh: root@192.0.2.1\n", ""), expect: /^sites\.alpha\.ssh: missing/ },
  { name: "missing endpoint", edit: (t) => t.replace("    endpoint: 198.51.100.7\n", ""), expect: /^sites\.beta\.endpoint: missing/ },
  { name: "wrong type for lan", edit: (t) => t.replace("lan: [10.10.10.0/24]", "lan: 42"), expect: /^sites\.alpha\.lan: expected a string or a list of strings/ },
  { name: "wrong type for presharedKey", edit: (t) => t.replace("  port: 51000", "  port: 51000\n  presharedKey: yes please"), expect: /^tunnel\.presharedKey: expected boolean/ },
  { name: "one site only", edit: (t) => t.replace(/  beta:\n(    .*\n)+/, ""), expect: /^sites: has 1 site; a site-to-site tunnel joins at least two/ },
  { name: "three sites", edit: (t) => t.replace("firewall:", "  gamma:\n    lan: [10.10.12.0/24]\n    endpoint: 203.0.113.9\n    ssh: root@203.0.113.9\nfirewall:"), expect: /^tunnel\.network: 10\.10\.9\.0\/31 holds 2 gateway addresses, and the file has 3 sites \(one address each\); use a \/29 or larger, e\.g\. 10\.10\.9\.0\/29$/ },
  { name: "invalid CIDR", edit: (t) => t.replace("10.10.10.0/24]", "10.10.300.0/24]"), expect: /^sites\.alpha\.lan\[0\]: 10\.10\.300\.0\/24 is not an IPv4 or IPv6 network/ },
  { name: "no prefix", edit: (t) => t.replace("10.10.10.0/24]", "10.10.10.0]"), expect: /^sites\.alpha\.lan\[0\]: 10\.10\.10\.0 has no prefix length; use 10\.10\.10\.0\/24/ },
  { name: "host bits set", edit: (t) => t.replace("10.10.11.0/24]", "10.10.11.5/24]"), expect: /^sites\.beta\.lan\[0\]: 10\.10\.11\.5\/24 has host bits set; use 10\.10\.11\.0\/24$/ },
  { name: "prefix too long", edit: (t) => t.replace("10.10.10.0/24]", "10.10.10.0/33]"), expect: /invalid prefix length/ },
  { name: "LANs overlap", edit: (t) => t.replace("10.10.11.0/24]", "10.10.10.128/25]"), expect: /^sites\.beta\.lan\[0\]: 10\.10\.10\.128\/25 overlaps sites\.alpha\.lan\[0\] 10\.10\.10\.0\/24/ },
  { name: "LAN overlaps transfer net", edit: (t) => t.replace("10.10.10.0/24]", "10.10.8.0/22]"), expect: /^sites\.alpha\.lan\[0\]: 10\.10\.8\.0\/22 overlaps the transfer net 10\.10\.9\.0\/31/ },
  { name: "LAN is everything", edit: (t) => t.replace("10.10.10.0/24]", "0.0.0.0/0]"), expect: /^sites\.alpha\.lan\[0\]: 0\.0\.0\.0\/0 is every address/ },
  { name: "LAN contains the peer endpoint", edit: (t) => t.replace("10.10.10.0/24]", "198.51.100.0/24]"), expect: /^sites\.alpha\.lan\[0\]: 198\.51\.100\.0\/24 contains beta's endpoint 198\.51\.100\.7/ },
  { name: "ssh address inside other LAN", edit: (t) => t.replace("ssh: root@192.0.2.1", "ssh: root@10.10.11.20"), expect: /^sites\.alpha\.ssh: 10\.10\.11\.20 is inside sites\.beta\.lan\[0\] 10\.10\.11\.0\/24/ },
  { name: "ssh address inside transfer net", edit: (t) => t.replace("ssh: root@192.0.2.1", "ssh: root@10.10.9.1"), expect: /^sites\.alpha\.ssh: 10\.10\.9\.1 is inside tunnel\.network/ },
  { name: "transfer net /24", edit: (t) => t.replace("network: 10.10.9.0/31", "network: 10.10.9.0/24"), expect: /^tunnel\.network: 10\.10\.9\.0\/24 must be an IPv4 \/31 or \/30 \(or an IPv6 \/127\): .*RFC 3021.*fallback/ },
  { name: "transfer net host bits", edit: (t) => t.replace("network: 10.10.9.0/31", "network: 10.10.9.1/30"), expect: /^tunnel\.network: 10\.10\.9\.1\/30 has host bits set; use 10\.10\.9\.0\/30/ },
  { name: "transfer net IPv6 wider than /127", edit: (t) => t.replace("network: 10.10.9.0/31", "network: fd00::/64"), expect: /^tunnel\.network: .*must be a \/127 \(RFC 6164\)/ },
  { name: "port zero", edit: (t) => t.replace("port: 51000", "port: 0"), expect: /^tunnel\.port: 0 is not a port; use a number from 1 to 65535/ },
  { name: "port too large", edit: (t) => t.replace("port: 51000", "port: 70000"), expect: /^tunnel\.port: 70000 is not a port/ },
  { name: "port as text", edit: (t) => t.replace("port: 51000", "port: fifty"), expect: /^tunnel\.port: fifty is not a port/ },
  { name: "keepalive negative", edit: (t) => t.replace("port: 51000", "port: 51000\n  keepalive: -1"), expect: /^tunnel\.keepalive: -1 is not a keepalive; use seconds from 0 to 65535/ },
  { name: "keepalive too large", edit: (t) => t.replace("port: 51000", "port: 51000\n  keepalive: 70000"), expect: /^tunnel\.keepalive: 70000/ },
  { name: "MTU too small", edit: (t) => t.replace("port: 51000", "port: 51000\n  mtu: 1000"), expect: /^tunnel\.mtu: 1000 is not a usable MTU; use 1280 to 9000/ },
  { name: "MTU too large", edit: (t) => t.replace("port: 51000", "port: 51000\n  mtu: 9001"), expect: /^tunnel\.mtu: 9001/ },
  { name: "interface name too long", edit: (t) => t.replace("interface: wgA", "interface: wg-this-is-too-long"), expect: /^sites\.alpha\.interface: "wg-this-is-too-long" is not a Linux interface name/ },
  { name: "interface name with slash", edit: (t) => t.replace("interface: wgA", "interface: wg/A"), expect: /^sites\.alpha\.interface: "wg\/A" is not a Linux interface name/ },
  { name: "site name with newline", edit: (t) => t.replace("  beta:", '  "beta\\n[Interface]":'), expect: /^sites\."beta\\n\[Interface\]": "beta\\n\[Interface\]" is not a simple name/ },
  { name: "site name with space", edit: (t) => t.replace("  beta:", '  "be ta":'), expect: /is not a simple name/ },
  { name: "endpoint with shell metacharacters", edit: (t) => t.replace("endpoint: 192.0.2.1", 'endpoint: "192.0.2.1; rm -rf /"'), expect: /^sites\.alpha\.endpoint: .* is not an endpoint/ },
  { name: "endpoint bad port", edit: (t) => t.replace("endpoint: 192.0.2.1", "endpoint: 192.0.2.1:99999"), expect: /^sites\.alpha\.endpoint: 192\.0\.2\.1:99999: port 99999 is out of range/ },
  { name: "endpoint not a host", edit: (t) => t.replace("endpoint: 192.0.2.1", "endpoint: 300.1.1.1"), expect: /^sites\.alpha\.endpoint: "300\.1\.1\.1" is not an address or DNS name/ },
  { name: "ssh with whitespace", edit: (t) => t.replace("ssh: root@192.0.2.1", 'ssh: "root@192.0.2.1 -oProxyCommand=x"'), expect: /^sites\.alpha\.ssh: .* is not an SSH target/ },
  { name: "ssh with backticks", edit: (t) => t.replace("ssh: root@192.0.2.1", "ssh: root@`id`"), expect: /^sites\.alpha\.ssh: .* is not an SSH target/ },
  { name: "block proto unknown", edit: (t) => t.replace("restrictPort: false", "restrictPort: false\n  block:\n    - { proto: sctp, port: 22 }"), expect: /^firewall\.block\[0\]\.proto: sctp is not a protocol/ },
  { name: "block port out of range", edit: (t) => t.replace("restrictPort: false", "restrictPort: false\n  block:\n    - { proto: tcp, port: 0 }"), expect: /^firewall\.block\[0\]\.port: 0 is not a port/ },
  { name: "block unknown key", edit: (t) => t.replace("restrictPort: false", "restrictPort: false\n  block:\n    - { proto: tcp, portt: 22 }"), expect: /^firewall\.block\[0\]\.portt: unknown key; did you mean "port"\?/ },
  { name: "empty lan list", edit: (t) => t.replace("lan: [10.10.10.0/24]", "lan: []"), expect: /^sites\.alpha\.lan: is empty/ },
];

for (const c of BAD) {
  test(`rejects: ${c.name}`, () => {
    const result = loadSite(c.edit(REFERENCE));
    assert.equal(result.ok, false, `${c.name} was accepted`);
    if (result.ok) return;
    const lines = result.problems.map(formatProblem);
    assert.ok(lines.some((l) => c.expect.test(l)), `expected ${c.expect} in:\n${lines.join("\n")}`);
  });
}

test("reports every problem, not only the first", () => {
  const text = REFERENCE.replace("    lan: [10.10.10.0/24]", "    lans: [10.10.10.0/24]").replace("10.10.11.0/24]", "10.10.11.5/24]").replace("port: 51000", "port: 0");
  const result = loadSite(text);
  assert.equal(result.ok, false);
  if (result.ok) return;
  const lines = result.problems.map(formatProblem);
  assert.ok(lines.includes("sites.beta.lan[0]: 10.10.11.5/24 has host bits set; use 10.10.11.0/24"), lines.join("\n"));
  assert.ok(lines.some((l) => l.startsWith("sites.alpha.lans: unknown key")));
  assert.ok(lines.some((l) => l.startsWith("tunnel.port: 0 is not a port")));
});

test("accepts the reference design with defaults filled in", () => {
  const result = loadSite(REFERENCE);
  assert.ok(result.ok);
  if (!result.ok) return;
  const { site } = result;
  assert.equal(site.tunnel.network.text, "10.10.9.0/31");
  assert.equal(site.tunnel.port, 51000);
  assert.equal(site.tunnel.keepalive, 0);
  assert.equal(site.tunnel.presharedKey, false);
  assert.deepEqual(site.sites.map((s) => s.name), ["alpha", "beta"]);
  assert.deepEqual(site.sites.map((s) => s.interface), ["wgA", "wgB"]);
  assert.deepEqual(site.sites[1].endpoint, { host: "198.51.100.7", port: 51000 });
  assert.equal(site.firewall.restrictPort, false);
});

test("defaults: interface wg0, port 51000, restrictPort true; endpoint :port overrides", () => {
  const result = loadSite(
    "tunnel: { network: 10.10.9.0/30 }\nsites:\n  a: { lan: 10.0.1.0/24, endpoint: '[2001:db8::1]:51820', ssh: gw-a }\n  b: { lan: [10.0.2.0/24, 10.0.3.0/24], endpoint: vpn.example.net, ssh: 'ops@203.0.113.5:2222' }\n",
  );
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  if (!result.ok) return;
  assert.equal(result.site.sites[0].interface, "wg0");
  assert.deepEqual(result.site.sites[0].endpoint, { host: "2001:db8::1", port: 51820 });
  assert.deepEqual(result.site.sites[1].endpoint, { host: "vpn.example.net", port: 51000 });
  assert.equal(result.site.sites[1].lan.length, 2);
  assert.equal(result.site.firewall.restrictPort, true);
});
