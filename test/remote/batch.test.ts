import assert from "node:assert/strict";
import { test } from "node:test";
import { BatchReader, verifyScript, type BatchEvent } from "../../src/remote/batch.ts";

const TARGETS = { interface: "wgA", peerTunnelAddress: "10.10.9.1", remoteProbe: "10.10.11.1", localLanAddress: "10.10.10.1" };

test("a check reported with code w is a warning: not ok, and not a failure of verification", () => {
  const events: BatchEvent[] = [];
  const reader = new BatchReader((e) => events.push(e));
  reader.push("@@wgsite-check lan-ping 0 3 packets transmitted\n@@wgsite-check lan-host w 10.10.11.10 does not answer\n@@wgsite-check handshake 1 no handshake yet\n");
  assert.deepEqual(events, [
    { type: "check", id: "lan-ping", ok: true, detail: "3 packets transmitted" },
    { type: "check", id: "lan-host", ok: false, detail: "10.10.11.10 does not answer", warning: true },
    { type: "check", id: "handshake", ok: false, detail: "no handshake yet" },
  ]);
});

test("the hosts heard on the other LAN are pinged at once, from the LAN address, and never set vfail", () => {
  const script = verifyScript({ ...TARGETS, remoteHosts: ["10.10.11.10", "10.10.11.20"] }, 30);
  const pings = script.split("\n").filter((l) => l.includes("lan-host"));
  assert.equal(pings.length, 2);
  for (const [i, host] of ["10.10.11.10", "10.10.11.20"].entries()) {
    assert.match(pings[i]!, new RegExp(`^\\( p=\\$\\(ping -c2 -i0\\.05 -W1 -I 10\\.10\\.10\\.1 ${host.replaceAll(".", "\\.")} 2>&1\\);`));
    assert.match(pings[i]!, /\) &$/);
    assert.doesNotMatch(pings[i]!, /vfail/);
  }
  assert.match(script, /\) &\nwait\necho "@@wgsite-step end verify 0"$/);
  assert.doesNotMatch(verifyScript(TARGETS, 30), /lan-host/, "nobody heard: no host pings");
});
