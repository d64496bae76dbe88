import assert from "node:assert/strict";
import { test } from "node:test";
import { pathMtu, parsePathMtu } from "../../src/facts/path-mtu.ts";
import { peerEndpoint } from "../../src/facts/peer-endpoint.ts";

const ctx = (peerHosts?: string[]) => ({ iface: "wgA", port: 51000, ...(peerHosts ? { peerHosts } : {}) });

test("path MTU: per peer the largest size that answered and the route's link MTU, and every interface's MTU", () => {
  const out = ["link eth0 1500", "link eth1 1500", "link lo 65536", "target 192.0.2.2 192.0.2.2 1500", "ok 192.0.2.2 576", "ok 192.0.2.2 1375", "no 192.0.2.2 1438", "target vpn.example.net 2001:db8::2 1500", "no vpn.example.net 1280", "no 192.0.2.2 1500", "ok 192.0.2.2 1400", "no 192.0.2.2 1401"].join("\n");
  assert.deepEqual(parsePathMtu(out), {
    probes: {
      "192.0.2.2": { target: "192.0.2.2", family: "ipv4", linkMtu: 1500, pathMtu: 1400 },
      "vpn.example.net": { target: "2001:db8::2", family: "ipv6", linkMtu: 1500 },
    },
    linkMtus: { eth0: 1500, eth1: 1500, lo: 65536 },
  });
  assert.deepEqual(parsePathMtu("link eth0 1500"), { probes: {}, linkMtus: { eth0: 1500 } }, "no target: the name did not resolve");
  assert.equal(parsePathMtu(""), undefined);
});

test("the probe pings each peer's endpoint with don't-fragment set, side by side, a name resolved on the gateway", () => {
  const two = pathMtu.command(ctx(["192.0.2.2", "vpn.example.net"]));
  assert.match(two, /^probe_peer '?192\.0\.2\.2'? '?192\.0\.2\.2'? & probe_peer '?vpn\.example\.net'? "\$\(getent ahosts '?vpn\.example\.net'? \| awk 'NR==1\{print \$1\}'\)" & wait$/m);
  assert.match(two, /ping -n -q -c2 -i0\.05 -W0\.4 -M do -s \$\(\(s - o\)\) "\$t"/);
  assert.equal(pathMtu.command(ctx()), "true");
  assert.equal(pathMtu.command(ctx([])), "true");
});

test("peer endpoint: each name's addresses of both families, nothing for a literal", () => {
  assert.equal(peerEndpoint.command(ctx(["192.0.2.2"])), "true");
  assert.match(peerEndpoint.command(ctx(["192.0.2.2", "vpn.example.net"])), /^for h in '?vpn\.example\.net'?; do getent ahosts "\$h"/);
  assert.deepEqual(peerEndpoint.parse("vpn.example.net 198.51.100.7\nvpn.example.net 2001:db8::7\nvpn.example.net 198.51.100.7\n\n", ctx(["192.0.2.2", "vpn.example.net", "gone.example.net"])), {
    "vpn.example.net": ["198.51.100.7", "2001:db8::7"],
    "gone.example.net": [],
  });
});
