import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connectSsh, type ConnectOptions } from "../../src/remote/ssh/connect.ts";
import { passphraseFromEnv } from "../../src/remote/ssh/passphrase.ts";
import { resolveTarget } from "../../src/remote/ssh/target.ts";
import { screenPrompts } from "../../src/ui/screen-prompts.ts";
import { Secret } from "../../src/core/secret.ts";
import { makeKey, publicKey, startSshd, tempDir, type TestSshd } from "./helpers/sshd.ts";

// The most common setup: both gateways (and the jump host) take the same passphrase-protected key.
const dir = tempDir("wgsite-shared-key-");
const key = makeKey(dir, "id_shared", "correct horse");
let a: TestSshd;
let b: TestSshd;
let config: string;

before(async () => {
  a = await startSshd({ authorizedKeys: [publicKey(key)] });
  b = await startSshd({ authorizedKeys: [publicKey(key)] });
  config = join(dir, "ssh_config");
  writeFileSync(config, [
    "Host gw-a", "  HostName 127.0.0.1", `  Port ${a.port}`,
    "Host gw-b", "  HostName 127.0.0.1", `  Port ${b.port}`,
    "Host gw-b-via-a", "  HostName 127.0.0.1", `  Port ${b.port}`, "  ProxyJump gw-a",
    "Host *", "  User root", `  IdentityFile ${key}`, "  IdentitiesOnly yes",
    `  UserKnownHostsFile ${join(dir, "known_hosts")}`,
  ].join("\n") + "\n");
  writeFileSync(join(dir, "known_hosts"), [a, b].map((s) => `[127.0.0.1]:${s.port} ${s.hostKeyLine}\n`).join(""));
});
after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function opts(askPassphrase: ConnectOptions["askPassphrase"]): ConnectOptions {
  return { askPassphrase, onUnknownHost: async () => false, recordNewHostKeys: false, agentSocket: "" };
}

const target = (name: string) => resolveTarget(name, { sshConfigFile: config });

async function echo(label: string, name: string, o: ConnectOptions): Promise<string> {
  const conn = await connectSsh(label, target(name), o);
  try {
    return (await conn.exec("echo ok")).stdout;
  } finally {
    await conn.close();
  }
}

describe("one encrypted key for both gateways", () => {
  test("WGSITE_KEY_PASSPHRASE, both gateways at once: both log in", async () => {
    const o = opts(passphraseFromEnv({ WGSITE_KEY_PASSPHRASE: "correct horse" }));
    assert.deepEqual(await Promise.all([echo("alpha", "gw-a", o), echo("beta", "gw-b", o)]), ["ok\n", "ok\n"]);
  });

  test("WGSITE_KEY_PASSPHRASE, one after the other: the second reuses the decrypted key", async () => {
    const o = opts(passphraseFromEnv({ WGSITE_KEY_PASSPHRASE: "correct horse" }));
    assert.equal(await echo("alpha", "gw-a", o), "ok\n");
    assert.equal(await echo("beta", "gw-b", o), "ok\n");
  });

  test("WGSITE_KEY_PASSPHRASE, the gateway reached through the other as ProxyJump", async () => {
    const o = opts(passphraseFromEnv({ WGSITE_KEY_PASSPHRASE: "correct horse" }));
    assert.deepEqual(await Promise.all([echo("alpha", "gw-a", o), echo("beta", "gw-b-via-a", o)]), ["ok\n", "ok\n"]);
  });

  test("a wrong WGSITE_KEY_PASSPHRASE is reported for both, never shown", async () => {
    const o = opts(passphraseFromEnv({ WGSITE_KEY_PASSPHRASE: "hunter2-secret" }));
    const errs = await Promise.all([echo("alpha", "gw-a", o), echo("beta", "gw-b-via-a", o)].map((p) => p.catch((e: Error) => e.message)));
    for (const e of errs) {
      assert.match(e, /WGSITE_KEY_PASSPHRASE does not decrypt/);
      assert.ok(!e.includes("hunter2-secret"));
    }
  });

  test("the wizard asks once for the key of both gateways and the jump host", async () => {
    const asked: string[] = [];
    const prompts = screenPrompts(async (request) => {
      asked.push(request.kind === "passphrase" ? request.keyPath : request.kind);
      // A person types slowly: the other connection must wait for this answer, not ask again.
      await new Promise((r) => setTimeout(r, 50));
      return new Secret("correct horse", "passphrase");
    }, {}, new Map(), new Map(), {});
    const o = opts(prompts.askPassphrase);
    assert.deepEqual(await Promise.all([echo("alpha", "gw-a", o), echo("beta", "gw-b-via-a", o)]), ["ok\n", "ok\n"]);
    assert.equal(await echo("alpha", "gw-a", o), "ok\n");
    assert.deepEqual(asked, [key]);
  });

  test("the wizard connecting again (after Esc back): the passphrase typed before is reused, not asked", async () => {
    const remembered = new Map<string, Secret>();
    let asked = 0;
    const prompts = () => screenPrompts(async () => {
      asked++;
      return new Secret("correct horse", "passphrase");
    }, {}, new Map(), remembered, {});
    assert.equal(await echo("alpha", "gw-a", opts(prompts().askPassphrase)), "ok\n");
    assert.equal(await echo("alpha", "gw-b-via-a", opts(prompts().askPassphrase)), "ok\n");
    assert.equal(asked, 1);
  });

  test("the wizard: a wrong answer is asked again once, then both gateways use the right one", async () => {
    const answers = ["wrong", "correct horse"];
    const asked: string[] = [];
    const prompts = screenPrompts(async (request) => {
      asked.push(request.kind);
      return new Secret(answers.shift() ?? "", "passphrase");
    }, {}, new Map(), new Map(), {});
    const o = opts(prompts.askPassphrase);
    assert.deepEqual(await Promise.all([echo("alpha", "gw-a", o), echo("beta", "gw-b", o)]), ["ok\n", "ok\n"]);
    assert.deepEqual(asked, ["passphrase", "passphrase"]);
  });
});
