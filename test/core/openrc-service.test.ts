import assert from "node:assert/strict";
import { test } from "node:test";
import { OPENRC_SCRIPT_MARK, OPENRC_SCRIPT_PATH, openrcServiceScript } from "../../src/core/openrc-service.ts";

test("the OpenRC script is Alpine's in shape: openrc-run, one tunnel per wg-quick.<if> symlink", () => {
  const script = openrcServiceScript();
  assert.equal(OPENRC_SCRIPT_PATH, "/etc/init.d/wg-quick");
  assert.ok(script.startsWith("#!/sbin/openrc-run\n"));
  assert.ok(script.split("\n")[1]!.startsWith(OPENRC_SCRIPT_MARK), "marked as wgsite's on its second line");
  assert.match(script, /^VPN="\$\{RC_SVCNAME#\*\.\}"$/m);
  assert.match(script, /^\twg-quick up "\$VPN"$/m);
  assert.match(script, /^\twg-quick down "\$VPN"$/m);
});

test("the script needs no `localmount` or `net` service (Debian's OpenRC has neither)", () => {
  const depend = /depend\(\) \{\n([\s\S]*?)\n\}/.exec(openrcServiceScript())?.[1] ?? "";
  assert.equal(depend, "\tuse localmount net dns\n\tafter bootmisc firewall");
});

test("called without a symlink it refuses with the command that makes one", () => {
  assert.match(openrcServiceScript(), /if \[ "\$VPN" = "\$RC_SVCNAME" \]; then\n\t\teerror "Start a tunnel through a symlink named after its interface: ln -s wg-quick \/etc\/init.d\/wg-quick.wg0"\n\t\treturn 1/);
});
