import assert from "node:assert/strict";
import { test } from "node:test";
import { wireguardPackages } from "../../src/facts/wireguard-packages.ts";

const ctx = { iface: "wgA", port: 51000 };

test("wireguard-packages: available and missing packages and dnf's enabled repositories", () => {
  assert.deepEqual(wireguardPackages.parse("missing wireguard-tools\navailable wireguard-go\nrepo baseos\nrepo appstream\n", ctx), {
    available: ["wireguard-go"],
    missing: ["wireguard-tools"],
    repos: ["baseos", "appstream"],
  });
  assert.deepEqual(wireguardPackages.parse("", ctx), { available: [], missing: [], repos: [] }, "wg-quick already there: nothing asked");
});

test("wireguard-packages asks the cache only, and only while wg-quick is absent", () => {
  const cmd = wireguardPackages.command(ctx);
  assert.match(cmd, /command -v wg-quick >\/dev\/null 2>&1 \|\| for p in wireguard-tools wireguard-go/);
  assert.match(cmd, /dnf -q -C repoquery/);
  assert.match(cmd, /zypper -q --no-refresh/);
});
