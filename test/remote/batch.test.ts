import assert from "node:assert/strict";
import { test } from "node:test";
import { BatchReader, verifyScript, type BatchEvent } from "../../src/remote/batch.ts";

const TARGETS = { interface: "wgA", port: 51000, peerTunnelAddress: "10.10.9.1", remoteProbe: "10.10.11.1", localLanAddress: "10.10.10.1" };

test("step markers become events; a step's output is what it printed between them", () => {
  const events: BatchEvent[] = [];
  const reader = new BatchReader((e) => events.push(e));
  reader.push("@@wgsite-step start config\nsome output\n@@wgsite-st");
  reader.push("ep end config 1\n");
  reader.end();
  assert.deepEqual(events.map((e) => ({ ...e, at: 0 })), [
    { type: "step-start", step: "config", at: 0 },
    { type: "step-end", step: "config", code: 1, at: 0, output: "some output\n" },
  ]);
});

test("verification waits for the peer's tunnel address, then runs the status probe; hosts heard on the other LAN are pinged at once from the LAN address", () => {
  const script = verifyScript({ ...TARGETS, remoteHosts: ["10.10.11.10", "10.10.11.20"] }, 30);
  assert.match(script, /^echo "@@wgsite-step start verify"\nend=\$\(\( \$\(date \+%s\) \+ 30 \)\)\nwhile .*ping -c1 -W1 10\.10\.9\.1 >\/dev\/null 2>&1 && break; sleep 0\.05; done\n/);
  for (const fact of ["clock", "tunnel-ping", "lan-ping", "wg", "unit", "ip-forward", "routes", "firewall", "lan-hosts"]) assert.match(script, new RegExp(`echo '@@wgsite-fact ${fact}'`), fact);
  assert.match(script, /for h in 10\.10\.11\.10 10\.10\.11\.20; do \( p\(\) \{ ping -n -q -c1 -W1 -I 10\.10\.10\.1 "\$h" 2>&1; \}; r=\$\(p\) \|\| r=\$\(p\)/, "one ping, a second only without an answer");
  assert.doesNotMatch(script, /latest-handshakes/, "the first gateway pings at once");
  assert.match(verifyScript(TARGETS, 30, true), /while \[ \$i -lt 8 \] && ! wg show wgA latest-handshakes/, "the responder waits for the first one's handshake before it pings");
  assert.match(script, /echo "@@wgsite-step end verify 0"$/);
  assert.doesNotMatch(verifyScript(TARGETS, 30), /lan-hosts/, "nobody heard: no host pings");
  assert.doesNotMatch(script, /@@wgsite-fact (mtu|latency)'/, "path MTU and latency are left to status");
  assert.match(script, /echo '@@wgsite-fact mtu-ping'; \{ m=\$\(cat \/sys\/class\/net\/wgA\/mtu .*ping -n -q -c1 -w2 -i0\.1 -M do -s \$\(\(m - 28\)\) -I 10\.10\.10\.1 10\.10\.11\.1 /, "one don't-fragment ping of the full MTU, LAN address to LAN address");
});
