import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { redact, Secret } from "../../src/core/secret.ts";
import { decodeFile } from "../../src/facts/fact.ts";
import { existingConfigCommand } from "../../src/facts/existing-config.ts";
import type { Connection } from "../../src/remote/connection.ts";
import { SudoError, withPrivilege } from "../../src/remote/sudo.ts";

test("redact masks secrets of any length, short ones included, the longest first", () => {
  assert.equal(redact("pw abc rejected", [new Secret("abc", "sudo password")]), "pw «sudo password» rejected");
  assert.equal(redact("x=7", [new Secret("7")]), "x=«secret»");
  assert.equal(redact("key abcdef", [new Secret("abc", "a"), new Secret("abcdef", "b")]), "key «b»");
  assert.equal(redact("nothing here", [undefined, new Secret("")]), "nothing here");
});

test("sudo's first stderr line is redacted before it becomes the error message", async () => {
  const conn: Connection = {
    label: "alpha",
    exec: async () => ({ stdout: "", stderr: "sudo: pam_echo: you typed abc\nmore\n", code: 1 }),
    close: async () => {},
    stats: { roundTrips: 0, bytesIn: 0, bytesOut: 0, connections: 1 },
  };
  const error = await withPrivilege(conn, "sudo-password", "abc").exec("true").then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof SudoError);
  assert.equal(error.kind, "not-allowed");
  assert.ok(!error.message.includes("abc"), error.message);
  assert.match(error.message, /you typed «sudo password»/);
});

test("existing-config: a foreign config's PrivateKey and PresharedKey are hidden by the gateway's own command", () => {
  const dir = mkdtempSync(join(tmpdir(), "wgsite-existing-"));
  try {
    const path = join(dir, "wg0.conf");
    const priv = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
    const psk = "Q2lxZmVyIGtleSBmb3IgdGVzdHMgb25seSEhISEhISE=";
    writeFileSync(path, `[Interface]\nPrivateKey = ${priv}\n  privatekey=${priv}\nListenPort = 51820\n\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nPresharedKey\t=\t${psk}\nEndpoint = 192.0.2.1:51820\n`);
    const out = execFileSync("sh", ["-c", existingConfigCommand(path)], { encoding: "utf8" });
    const text = decodeFile(out)!;
    assert.ok(!text.includes(priv) && !text.includes(psk), text);
    assert.equal(
      text,
      "[Interface]\nPrivateKey = (hidden)\n  privatekey = (hidden)\nListenPort = 51820\n\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nPresharedKey = (hidden)\nEndpoint = 192.0.2.1:51820\n",
    );
    assert.equal(decodeFile(execFileSync("sh", ["-c", existingConfigCommand(join(dir, "none.conf"))], { encoding: "utf8" })), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
