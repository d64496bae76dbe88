import assert from "node:assert/strict";
import { test } from "node:test";
import { serviceScript } from "../../src/facts/service-script.ts";

const ctx = { iface: "wgA", port: 51000 };

test("service-script: the OpenRC script and the interface's symlink, each seen or not", () => {
  assert.deepEqual(serviceScript.parse("", ctx), { script: false, link: false }, "Debian with OpenRC, before wgsite");
  assert.deepEqual(serviceScript.parse("script\n", ctx), { script: true, link: false }, "Alpine with wireguard-tools-openrc");
  assert.deepEqual(serviceScript.parse("script\nlink\n", ctx), { script: true, link: true }, "after wgsite's apply");
});

test("service-script asks about this interface's symlink", () => {
  assert.match(serviceScript.command(ctx), /\/etc\/init\.d\/wg-quick\.wgA/);
});
