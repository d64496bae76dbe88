import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { quote as shellQuote } from "../../src/core/shell.ts";
import { SudoError, withPrivilege } from "../../src/remote/sudo.ts";
import { installFakeSudo } from "./helpers/fake-sudo.ts";
import { localConnection } from "./helpers/local-connection.ts";
import { tempDir } from "./helpers/sshd.ts";

const dir = tempDir("wgsite-sudo-");
after(() => rmSync(dir, { recursive: true, force: true }));
const { sudoBin, idBin } = installFakeSudo(dir);
const PASSWORD = "s3cret pa'ss $word";
const sudoLog = join(dir, "sudo.log");

function fakeEnv(policy: string, extra: Record<string, string> = {}): Record<string, string> {
  writeFileSync(sudoLog, "");
  return {
    PATH: `${idBin}:${sudoBin}:/usr/bin:/bin`,
    FAKE_SUDO_POLICY: policy,
    FAKE_SUDO_PASSWORD: PASSWORD,
    FAKE_SUDO_LOG: sudoLog,
    ...extra,
  };
}
const attempts = () => readFileSync(sudoLog, "utf8").split("\n").filter((l) => l === "attempt").length;

describe("shellQuote", () => {
  for (const s of ["", "plain", "it's", "$HOME `id` $(id)", "a\nb", "back\\slash", "'", "''\"", "*?[a]", "-n"]) {
    test(`round-trips ${JSON.stringify(s)} through sh`, () => {
      const out = execFileSync("sh", ["-c", `printf '%s' ${shellQuote(s)}`], { encoding: "utf8" });
      assert.equal(out, s);
    });
  }
});

describe("withPrivilege (against a stand-in sudo)", () => {
  const tricky = `printf '%s|' "it's" '$HOME'; cat; echo err >&2; exit 3`;

  test("root: commands run as they are", async () => {
    const c = localConnection("site-a", { PATH: "/usr/bin:/bin" });
    assert.equal(withPrivilege(c, "root"), c);
  });

  test("sudo-nopasswd: quoting, stdin, stderr and exit code survive the wrapper", async () => {
    const c = localConnection("site-a", fakeEnv("nopasswd"));
    const r = await withPrivilege(c, "sudo-nopasswd").exec(tricky, { stdin: "in\n" });
    assert.deepEqual(r, { stdout: "it's|$HOME|in\n", stderr: "err\n", code: 3 });
    assert.match(c.commands[0]!, /^sudo -n sh -c /);
  });

  test("sudo-password: the password is consumed by sudo, never reaches the command, argv or the log", async () => {
    const c = localConnection("site-a", fakeEnv("password"));
    const root = withPrivilege(c, "sudo-password", PASSWORD);
    const r1 = await root.exec(tricky, { stdin: "first\nsecond\n" });
    assert.deepEqual(r1, { stdout: "it's|$HOME|first\nsecond\n", stderr: "err\n", code: 3 });
    const r2 = await root.exec("cat", { stdin: "again" });
    assert.deepEqual(r2, { stdout: "again", stderr: "", code: 0 });
    const r3 = await root.exec("cat");
    assert.equal(r3.stdout, "", "no stdin given: the command sees none, not the password");
    for (const cmd of c.commands) assert.ok(!cmd.includes("s3cret"), "password in a command line");
    assert.ok(!readFileSync(sudoLog, "utf8").includes("s3cret"));
  });

  test("sudo-password with cached credentials: -k still makes sudo take the password line", async () => {
    const env = fakeEnv("password", { FAKE_SUDO_CACHED: "1" });
    // Control: without -k a cached sudo skips the password and the command reads it. This is the bug being avoided.
    const naive = spawnSync("/bin/sh", ["-c", "sudo -S -p '' cat"], { env, input: `${PASSWORD}\ndata`, encoding: "utf8" });
    assert.equal(naive.stdout, `${PASSWORD}\ndata`);
    const root = withPrivilege(localConnection("site-a", env), "sudo-password", PASSWORD);
    for (let i = 0; i < 2; i++) {
      assert.equal((await root.exec("cat", { stdin: "data" })).stdout, "data");
    }
  });

  test("sudo-password but the policy needs none: the password line is dropped, not handed to the command", async () => {
    const root = withPrivilege(localConnection("site-a", fakeEnv("nopasswd")), "sudo-password", PASSWORD);
    assert.equal((await root.exec("cat", { stdin: "data" })).stdout, "data");
    assert.equal((await root.exec("cat", { stdin: "more" })).stdout, "more");
  });

  test("wrong password: SudoError naming the env variables; one attempt only, the caller's stdin is not tried as passwords", async () => {
    const c = localConnection("site-a", fakeEnv("password"));
    const err = await withPrivilege(c, "sudo-password", "wrong-guess").exec("cat", { stdin: "l1\nl2\nl3\n" })
      .catch((e: unknown) => e);
    assert.ok(err instanceof SudoError && err.kind === "password-rejected", String(err));
    assert.equal(err.message, "sudo password rejected on site-a; set WGSITE_SUDO_PASSWORD_SITE_A or WGSITE_SUDO_PASSWORD");
    assert.equal(attempts(), 1);
  });

  test("not in sudoers: SudoError not-allowed with sudo's own words", async () => {
    const err = await withPrivilege(localConnection("site-a", fakeEnv("denied")), "sudo-password", PASSWORD).exec("true")
      .catch((e: unknown) => e);
    assert.ok(err instanceof SudoError && err.kind === "not-allowed", String(err));
    assert.match(err.message, /not in the sudoers file/);
  });

  test("sudo-nopasswd that now wants a password: SudoError password-required", async () => {
    const err = await withPrivilege(localConnection("site-a", fakeEnv("password")), "sudo-nopasswd").exec("true")
      .catch((e: unknown) => e);
    assert.ok(err instanceof SudoError && err.kind === "password-required", String(err));
  });

  test("missing password or no privilege at all: clear errors", async () => {
    const c = localConnection("site-b", fakeEnv("password"));
    assert.throws(() => withPrivilege(c, "sudo-password"), /WGSITE_SUDO_PASSWORD_SITE_B or WGSITE_SUDO_PASSWORD/);
    assert.throws(() => withPrivilege(c, "sudo-password", "a\nb"), /line break/);
    await assert.rejects(withPrivilege(c, "none").exec("true"), (e: unknown) => e instanceof SudoError && e.kind === "not-allowed");
  });
});

const hasSudo = spawnSync("sh", ["-c", "command -v sudo"]).status === 0;
describe("withPrivilege against the real sudo", () => {
  test(hasSudo ? "real sudo: not covered here yet (the e2e lab runs it)" : "real sudo (SKIPPED: sudo is not installed on this machine)",
    { skip: true }, () => {});
});
