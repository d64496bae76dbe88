import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Connection } from "../../src/remote/connection.ts";
import { connectSsh } from "../../src/remote/ssh/connect.ts";
import { SshError } from "../../src/remote/ssh/errors.ts";
import { resolveTarget } from "../../src/remote/ssh/target.ts";
import { SudoError, withPrivilege } from "../../src/remote/sudo.ts";
import { installFakeSudo } from "./helpers/fake-sudo.ts";
import { makeKey, publicKey, startSshd, tempDir, type TestSshd } from "./helpers/sshd.ts";

// The sudo wrapper through a real sshd and login shell, with the stand-in sudo put on PATH by sshd's SetEnv.
const dir = tempDir("wgsite-sudo-sshd-");
const key = makeKey(dir, "id");
const { sudoBin } = installFakeSudo(dir);
const PASSWORD = "Tr0ub4dor&3";
let sshd: TestSshd;
let conn: Connection;

before(async () => {
  sshd = await startSshd({
    authorizedKeys: [publicKey(key)],
    extraConfig: `SetEnv PATH=${sudoBin}:/usr/bin:/bin FAKE_SUDO_POLICY=password FAKE_SUDO_PASSWORD=${PASSWORD} FAKE_SUDO_LOG=${join(dir, "log")}`,
  });
  const kh = join(dir, "known_hosts");
  writeFileSync(kh, `[127.0.0.1]:${sshd.port} ${sshd.hostKeyLine}\n`);
  writeFileSync(join(dir, "cfg"), "");
  const target = resolveTarget(`root@127.0.0.1:${sshd.port}`, { sshConfigFile: join(dir, "cfg"), identityFile: key, knownHostsFile: kh });
  conn = await connectSsh("site-a", target, {
    askPassphrase: async () => undefined, onUnknownHost: async () => false, recordNewHostKeys: false, agentSocket: "",
  });
});
after(async () => {
  await conn?.close();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("sudo wrapper over a real sshd", () => {
  test("sudo-password: stdin reaches the command without the password, twice", async () => {
    const root = withPrivilege(conn, "sudo-password", PASSWORD);
    for (const input of ["one\ntwo\n", "three"]) {
      const r = await root.exec(`cat; echo "it's done" >&2`, { stdin: input });
      assert.deepEqual(r, { stdout: input, stderr: "it's done\n", code: 0 });
    }
  });

  test("sudo-password, wrong password: SudoError", async () => {
    await assert.rejects(withPrivilege(conn, "sudo-password", "nope").exec("true"),
      (e: unknown) => e instanceof SudoError && e.kind === "password-rejected");
  });

  test("errors name the caller's command, not the sudo wrapper", async () => {
    const err = await withPrivilege(conn, "sudo-password", PASSWORD).exec("sleep 5", { timeoutMs: 300 }).catch((e: unknown) => e);
    assert.ok(err instanceof SshError && err.kind === "command-timeout", String(err));
    assert.match(err.message, /running sleep/);
  });
});
