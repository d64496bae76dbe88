import assert from "node:assert/strict";
import { test } from "node:test";
import { armRevertCommand, disarmRevertCommand, serviceScriptOps, unitCommand, unitName, type UnitAction } from "../../src/core/init-system.ts";
import { OPENRC_SCRIPT_PATH, openrcServiceScript } from "../../src/core/openrc-service.ts";

const ACTIONS: UnitAction[] = ["enable-start", "start", "stop", "restart", "enable", "disable", "disable-stop", "is-active", "is-enabled"];

test("the service's name: a systemd template instance, an OpenRC symlink", () => {
  assert.equal(unitName("systemd", "wgA"), "wg-quick@wgA");
  assert.equal(unitName("openrc", "wgA"), "wg-quick.wgA");
});

test("systemd: each action is one systemctl command", () => {
  assert.deepEqual(Object.fromEntries(ACTIONS.map((a) => [a, unitCommand("systemd", a, "wgA")])), {
    "enable-start": "systemctl enable -q --now wg-quick@wgA",
    start: "systemctl start wg-quick@wgA",
    stop: "systemctl stop wg-quick@wgA",
    restart: "systemctl restart wg-quick@wgA",
    enable: "systemctl enable -q wg-quick@wgA",
    disable: "systemctl disable -q wg-quick@wgA",
    "disable-stop": "systemctl disable -q --now wg-quick@wgA; systemctl reset-failed wg-quick@wgA 2>/dev/null; true",
    "is-active": "systemctl is-active -q wg-quick@wgA",
    "is-enabled": "systemctl is-enabled -q wg-quick@wgA",
  });
});

test("OpenRC: rc-update and rc-service, asked first so a repeat is a no-op", () => {
  const enabled = "rc-update show default 2>/dev/null | grep -q '^ *wg-quick.wgA |'";
  const active = "rc-service wg-quick.wgA status >/dev/null 2>&1";
  assert.deepEqual(Object.fromEntries(ACTIONS.map((a) => [a, unitCommand("openrc", a, "wgA")])), {
    "enable-start": `{ ${enabled} || rc-update add wg-quick.wgA default >/dev/null; } && { ${active} || rc-service wg-quick.wgA start 9>&-; }`,
    start: `{ ${active} || rc-service wg-quick.wgA start 9>&-; }`,
    stop: `{ ! ${active} || rc-service wg-quick.wgA stop; }`,
    restart: "rc-service wg-quick.wgA restart 9>&-",
    enable: `{ ${enabled} || rc-update add wg-quick.wgA default >/dev/null; }`,
    disable: `{ ! ${enabled} || rc-update del wg-quick.wgA default >/dev/null; }`,
    "disable-stop": `{ ! ${enabled} || rc-update del wg-quick.wgA default >/dev/null; } && { ! ${active} || rc-service wg-quick.wgA stop; }`,
    "is-active": active,
    "is-enabled": enabled,
  });
});

test("systemd revert: a transient timer, disarmed by stopping it", () => {
  assert.equal(
    armRevertCommand("systemd", "wgsite-revert-wgA", "/run/wgsite/wgA.rollback.sh", 89.2),
    "systemctl stop wgsite-revert-wgA.timer wgsite-revert-wgA.service 2>/dev/null; systemctl reset-failed wgsite-revert-wgA.service wgsite-revert-wgA.timer 2>/dev/null\n" +
      "systemd-run --quiet --unit=wgsite-revert-wgA --on-active=90s /bin/sh /run/wgsite/wgA.rollback.sh",
  );
  assert.equal(disarmRevertCommand("systemd", "wgsite-revert-wgA"), "systemctl stop wgsite-revert-wgA.timer 2>/dev/null; systemctl reset-failed wgsite-revert-wgA.service wgsite-revert-wgA.timer 2>/dev/null; true");
});

test("OpenRC revert: a detached session sleeping, its process group in a pid file", () => {
  const disarm = disarmRevertCommand("openrc", "wgsite-revert-wgA");
  assert.equal(disarm, 'if [ -s /run/wgsite/wgsite-revert-wgA.pid ]; then kill -TERM -"$(cat /run/wgsite/wgsite-revert-wgA.pid)" 2>/dev/null; rm -f /run/wgsite/wgsite-revert-wgA.pid; fi; true');
  assert.equal(
    armRevertCommand("openrc", "wgsite-revert-wgA", "/run/wgsite/wgA.rollback.sh", 90),
    [
      disarm,
      "mkdir -p /run/wgsite",
      "(setsid /bin/sh -c 'echo $$ > /run/wgsite/wgsite-revert-wgA.pid && sleep 90 && rm -f /run/wgsite/wgsite-revert-wgA.pid && exec /bin/sh /run/wgsite/wgA.rollback.sh' </dev/null >/dev/null 2>&1 9>&- &)",
      "for i in 1 2 3 4 5 6 7 8 9 10; do [ -s /run/wgsite/wgsite-revert-wgA.pid ] && break; sleep 0.1; done; [ -s /run/wgsite/wgsite-revert-wgA.pid ]",
    ].join("\n"),
  );
});

test("service script step: nothing on systemd; on OpenRC the script and the interface's symlink, only where missing, undone by removing them", () => {
  const missing = { serviceScript: { script: false, link: false } };
  const none = { ops: [], undo: [], created: [] };
  assert.deepEqual(serviceScriptOps("systemd", missing, "wgA"), none);
  assert.deepEqual(serviceScriptOps("openrc", missing, "wgA"), {
    ops: [
      { op: "write", path: OPENRC_SCRIPT_PATH, mode: "0755", content: openrcServiceScript() },
      { op: "run", sh: "ln -sfn wg-quick /etc/init.d/wg-quick.wgA" },
    ],
    undo: [{ op: "remove", paths: ["/etc/init.d/wg-quick.wgA", OPENRC_SCRIPT_PATH] }],
    created: [OPENRC_SCRIPT_PATH, "/etc/init.d/wg-quick.wgA"],
  });
  assert.deepEqual(serviceScriptOps("openrc", { serviceScript: { script: true, link: false } }, "wgB"), {
    ops: [{ op: "run", sh: "ln -sfn wg-quick /etc/init.d/wg-quick.wgB" }],
    undo: [{ op: "remove", paths: ["/etc/init.d/wg-quick.wgB"] }],
    created: ["/etc/init.d/wg-quick.wgB"],
  });
  assert.deepEqual(serviceScriptOps("openrc", { serviceScript: { script: true, link: true } }, "wgA"), none);
  assert.deepEqual(serviceScriptOps("openrc", {}, "wgA"), none, "facts without the fact change nothing");
});
