import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { lanNeighbors } from "../../src/facts/lan-neighbors.ts";

test("ip neigh (real capture from beta): hosts heard from, FAILED left out, REACHABLE marked", () => {
  const out = readFileSync(new URL("../fixtures/status/ip-neigh-beta.txt", import.meta.url), "utf8");
  assert.deepEqual(lanNeighbors.parse(out, { iface: "wgB", port: 51000 }), [
    { address: "10.10.11.10", dev: "eth1", reachable: true },
    { address: "192.0.2.1", dev: "eth0", reachable: false },
    { address: "192.0.2.100", dev: "eth0", reachable: true },
  ]);
});

test("router and proxy flags, INCOMPLETE and IPv6 lines", () => {
  const out = "10.10.11.254 dev eth1 lladdr 02:00:00:00:00:fe router STALE\n10.10.11.9 dev eth1 INCOMPLETE\nfe80::1 dev eth1 lladdr 02:00:00:00:00:01 router REACHABLE\n";
  assert.deepEqual(lanNeighbors.parse(out, { iface: "wgB", port: 51000 }), [{ address: "10.10.11.254", dev: "eth1", reachable: false }]);
});
