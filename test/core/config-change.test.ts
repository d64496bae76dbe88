import assert from "node:assert/strict";
import { test } from "node:test";
import { configChange } from "../../src/core/config-change.ts";

const config = (peerKey: string) =>
  ["[Interface]", "PostUp = wg set %i private-key /etc/wireguard/%i.key", `PostUp = wg set %i peer ${peerKey} preshared-key /etc/wireguard/%i.psk`, "Address = 10.10.9.0/31", "ListenPort = 51000", "", "[Peer]", `PublicKey = ${peerKey}`, "AllowedIPs = 10.10.11.0/24,10.10.9.0/31", ""].join("\n");

test("a peer's new key is a peer change, in its PSK hook too, even while the plan holds the placeholder the executor binds (rotate)", () => {
  const old = config("B".repeat(43) + "=");
  assert.equal(configChange(old, config("C".repeat(43) + "=")), "peers");
  assert.equal(configChange(old, config("<beta public key>")), "peers");
  assert.equal(configChange(old, old.replace("ListenPort = 51000", "ListenPort = 51100")), "interface");
  assert.equal(configChange(old, old), "none");
});
