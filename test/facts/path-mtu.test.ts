import assert from "node:assert/strict";
import { test } from "node:test";
import { pathMtu, parsePathMtu } from "../../src/facts/path-mtu.ts";
import { peerEndpoint } from "../../src/facts/peer-endpoint.ts";

test("path MTU: the largest size that answered, the route's link MTU and every interface's", () => {
  const out = ["link eth0 1500", "link eth1 1500", "link lo 65536", "target 192.0.2.2 1500", "ok 576", "ok 1375", "no 1438", "no 1500", "ok 1400", "no 1401"].join("\n");
  assert.deepEqual(parsePathMtu(out), { target: "192.0.2.2", family: "ipv4", linkMtu: 1500, pathMtu: 1400, linkMtus: { eth0: 1500, eth1: 1500, lo: 65536 } });
  assert.deepEqual(parsePathMtu("link eth0 1500\ntarget 2001:db8::2 1500\nno 1280\nno 1500"), { target: "2001:db8::2", family: "ipv6", linkMtu: 1500, linkMtus: { eth0: 1500 } });
  assert.equal(parsePathMtu("link eth0 1500"), undefined, "no target: the name did not resolve");
});

test("the probe pings the peer's endpoint with don't-fragment set, the name resolved on the gateway", () => {
  const literal = pathMtu.command({ iface: "wgA", port: 51000, peerHost: "192.0.2.2" });
  assert.match(literal, /^t='?192\.0\.2\.2'?$/m);
  assert.match(literal, /ping -n -q -c2 -i0\.05 -W0\.4 -M do -s \$\(\(s - o\)\) "\$t"/);
  assert.match(pathMtu.command({ iface: "wgA", port: 51000, peerHost: "vpn.example.net" }), /getent ahosts 'vpn\.example\.net'|getent ahosts vpn\.example\.net/);
  assert.equal(pathMtu.command({ iface: "wgA", port: 51000 }), "true");
});

test("peer endpoint: a name's addresses of both families, nothing for a literal", () => {
  assert.equal(peerEndpoint.command({ iface: "wgA", port: 51000, peerHost: "192.0.2.2" }), "true");
  assert.match(peerEndpoint.command({ iface: "wgA", port: 51000, peerHost: "vpn.example.net" }), /^getent ahosts .*vpn\.example\.net.* \| awk '\{print \$1\}' \| sort -u$/);
  assert.deepEqual(peerEndpoint.parse("198.51.100.7\n2001:db8::7\n\n", { iface: "wgA", port: 51000 }), ["198.51.100.7", "2001:db8::7"]);
});
