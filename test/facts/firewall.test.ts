import assert from "node:assert/strict";
import { test } from "node:test";
import { firewall } from "../../src/facts/firewall.ts";

const CTX = { iface: "wgA", port: 51000 };
const FIREWALLD_TABLE = "table inet firewalld {\n\tchain filter_FORWARD {\n\t\ttype filter hook forward priority filter + 10; policy accept;\n\t}\n}\n";

test("firewalld without the nft command: its table is read through python3-nftables, but nftables is no backend to write with", () => {
  const parsed = firewall.parse(`@@version\n@@iptables\n@@nft\n# nft read through python3-nftables\n${FIREWALLD_TABLE}@@ufw\n@@firewalld\nrunning\n`, CTX);
  assert.equal(parsed.backend, "none");
  assert.equal(parsed.firewalldActive, true);
  assert.match(parsed.raw.nft, /table inet firewalld/);
});

test("with the nft command the ruleset makes nftables the backend", () => {
  const parsed = firewall.parse(`@@version\n@@iptables\n@@nft\n# nft present\n${FIREWALLD_TABLE}@@ufw\n@@firewalld\n`, CTX);
  assert.equal(parsed.backend, "nftables");
  assert.equal(parsed.firewalldActive, false);
});

test("the command asks systemd whether firewalld runs (firewall-cmd --state only without systemctl) and falls back to Python for the ruleset", () => {
  const command = firewall.command(CTX);
  assert.match(command, /systemctl is-active --quiet firewalld && echo running; else firewall-cmd --state/);
  assert.match(command, /elif command -v python3 >\/dev\/null 2>&1; then python3 -c '/);
});
