import assert from "node:assert/strict";
import { spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Connection } from "../../src/remote/connection.ts";
import { connectSsh, type ConnectOptions } from "../../src/remote/ssh/connect.ts";
import { HostKeyError, SshError } from "../../src/remote/ssh/errors.ts";
import { passphraseFromEnv } from "../../src/remote/ssh/passphrase.ts";
import { resolveTarget, type ResolveOptions } from "../../src/remote/ssh/target.ts";
import { freePort, makeKey, publicKey, spawnWatched, startSshd, stopProcess, tempDir, type TestSshd } from "./helpers/sshd.ts";

const dir = tempDir("wgsite-conn-");
const plainKey = makeKey(dir, "id_plain");
const encryptedKey = makeKey(dir, "id_encrypted", "correct horse");
const agentKey = makeKey(dir, "id_agent");
const strangerKey = makeKey(dir, "id_stranger");
const emptyConfig = join(dir, "ssh_config");
writeFileSync(emptyConfig, "");

let sshd: TestSshd;
let knownHosts: string;

before(async () => {
  sshd = await startSshd({ authorizedKeys: [plainKey, encryptedKey, agentKey].map(publicKey) });
  knownHosts = join(dir, "known_hosts");
  writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostKeyLine}\n`);
});
after(async () => {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const refuseUnknown = async () => false;
const noPassphrase = async () => undefined;

function opts(extra: Partial<ConnectOptions> = {}): ConnectOptions {
  // An empty agentSocket keeps a developer's own SSH_AUTH_SOCK out of the tests.
  return { askPassphrase: noPassphrase, onUnknownHost: refuseUnknown, recordNewHostKeys: false, agentSocket: "", ...extra };
}

function target(spec: string, extra: ResolveOptions = {}) {
  return resolveTarget(spec, { sshConfigFile: emptyConfig, knownHostsFile: knownHosts, identityFile: plainKey, ...extra });
}

async function withConn<T>(conn: Connection, use: (c: Connection) => Promise<T>): Promise<T> {
  try {
    return await use(conn);
  } finally {
    await conn.close();
  }
}

describe("connectSsh against a real sshd", () => {
  test("ed25519 key auth; exec with stdin, exit code, stderr, stats", async () => {
    const t0 = performance.now();
    const conn = await connectSsh("site-a", target(`root@127.0.0.1:${sshd.port}`), opts());
    console.log(`  connect (handshake + auth): ${(performance.now() - t0).toFixed(0)} ms`);
    await withConn(conn, async (c) => {
      const r = await c.exec("cat; echo oops >&2; printf 'ü'; exit 7", { stdin: "line1\nline2\n" });
      assert.deepEqual(r, { stdout: "line1\nline2\nü", stderr: "oops\n", code: 0 + 7 });
      const empty = await c.exec("true");
      assert.deepEqual(empty, { stdout: "", stderr: "", code: 0 });
      assert.equal(c.stats.roundTrips, 2);
      assert.equal(c.stats.connections, 1);
      assert.ok(c.stats.bytesIn > 0 && c.stats.bytesOut > 0);
      assert.equal(c.label, "site-a");
    });
  });

  test("a command killed by a signal reports 128+N", async () => {
    await withConn(await connectSsh("site-a", target(`root@127.0.0.1:${sshd.port}`), opts()), async (c) => {
      const r = await c.exec("kill -TERM $$");
      assert.equal(r.code, 143);
    });
  });

  test("encrypted key: passphrase asked through the callback, retried after a wrong one", async () => {
    const asked: string[] = [];
    const answers = ["wrong", "correct horse"];
    const t0 = performance.now();
    const conn = await connectSsh("site-a", target(`root@127.0.0.1:${sshd.port}`, { identityFile: encryptedKey }), opts({
      askPassphrase: async (path) => {
        asked.push(path);
        return answers.shift();
      },
    }));
    console.log(`  connect with encrypted key (2 bcrypt-pbkdf decrypts): ${(performance.now() - t0).toFixed(0)} ms`);
    await withConn(conn, async (c) => assert.equal((await c.exec("echo ok")).stdout, "ok\n"));
    assert.deepEqual(asked, [encryptedKey, encryptedKey]);
  });

  test("encrypted key, non-interactive, no WGSITE_KEY_PASSPHRASE: auth error that says to set it", async () => {
    const err = await connectSsh("site-a", target(`root@127.0.0.1:${sshd.port}`, { identityFile: encryptedKey }),
      opts({ askPassphrase: passphraseFromEnv({}) })).catch((e: unknown) => e);
    assert.ok(err instanceof SshError && err.kind === "auth", String(err));
    assert.match(err.message, /set WGSITE_KEY_PASSPHRASE/);
  });

  test("encrypted key, non-interactive, WGSITE_KEY_PASSPHRASE set: works; the passphrase never shows in errors", async () => {
    const conn = await connectSsh("site-a", target(`root@127.0.0.1:${sshd.port}`, { identityFile: encryptedKey }),
      opts({ askPassphrase: passphraseFromEnv({ WGSITE_KEY_PASSPHRASE: "correct horse" }) }));
    await conn.close();
    const err = await connectSsh("site-a", target(`root@127.0.0.1:${sshd.port}`, { identityFile: encryptedKey }),
      opts({ askPassphrase: passphraseFromEnv({ WGSITE_KEY_PASSPHRASE: "hunter2-secret" }) })).catch((e: unknown) => e);
    assert.ok(err instanceof SshError && err.kind === "auth");
    assert.match(err.message, /WGSITE_KEY_PASSPHRASE does not decrypt/);
    assert.ok(!err.message.includes("hunter2-secret"));
  });

  test("wrong key: SshError auth naming the gateway, the address and what to check", async () => {
    const err = await connectSsh("site-a", target(`root@127.0.0.1:${sshd.port}`, { identityFile: strangerKey }), opts())
      .catch((e: unknown) => e);
    assert.ok(err instanceof SshError && err.kind === "auth", String(err));
    assert.equal(err.label, "site-a");
    assert.match(err.message, new RegExp(`site-a \\(127\\.0\\.0\\.1:${sshd.port}\\): authenticating: .*${strangerKey}.*authorized_keys`));
  });

  describe("ssh-agent", () => {
    let agent: ChildProcess;
    const sock = join(dir, "agent.sock");
    before(async () => {
      agent = spawnWatched("ssh-agent", ["-D", "-a", sock]);
      for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
      const add = spawnSync("ssh-add", [agentKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, encoding: "utf8" });
      assert.equal(add.status, 0, add.stderr);
    });
    after(async () => {
      if (agent) await stopProcess(agent);
    });

    test("the agent is tried first and its key logs in", async () => {
      // The configured identity is not authorized: only the agent's key can work.
      const t = target(`root@127.0.0.1:${sshd.port}`, { identityFile: strangerKey });
      await withConn(await connectSsh("site-a", t, opts({ agentSocket: sock })), async (c) => {
        assert.equal((await c.exec("echo via-agent")).stdout, "via-agent\n");
      });
    });

    test("when the agent logs in, an encrypted identity file is never decrypted (no prompt)", async () => {
      const t = target(`root@127.0.0.1:${sshd.port}`, { identityFile: encryptedKey });
      const conn = await connectSsh("site-a", t, opts({ agentSocket: sock, askPassphrase: async () => assert.fail("asked") }));
      await conn.close();
    });

    test("IdentitiesOnly: agent keys that match no IdentityFile are not offered", async () => {
      const cfg = join(dir, "cfg_only");
      writeFileSync(cfg, `Host gw\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentitiesOnly yes\n  IdentityFile ${strangerKey}\n`);
      const t = resolveTarget("gw", { sshConfigFile: cfg, knownHostsFile: knownHosts });
      const err = await connectSsh("site-a", t, opts({ agentSocket: sock })).catch((e: unknown) => e);
      assert.ok(err instanceof SshError && err.kind === "auth", String(err));
      // Only the public half of the agent's key on disk: a match can only be used through the agent.
      const pubOnly = join(dir, "agent_pub_only");
      writeFileSync(`${pubOnly}.pub`, readFileSync(`${agentKey}.pub`));
      const viaAgent = { ...t, identityFiles: [pubOnly] };
      await withConn(await connectSsh("site-a", viaAgent, opts({ agentSocket: sock })), async (c) => {
        assert.equal((await c.exec("echo filtered-agent")).stdout, "filtered-agent\n");
      });
    });
  });

  describe("host keys", () => {
    test("unknown host: refused -> HostKeyError unknown; info has SHA256 fingerprint", async () => {
      const kh = join(dir, "kh_empty");
      let info: unknown;
      const err = await connectSsh("site-a", target(`root@127.0.0.1:${sshd.port}`, { knownHostsFile: kh }), opts({
        onUnknownHost: async (i) => {
          info = i;
          return false;
        },
      })).catch((e: unknown) => e);
      assert.ok(err instanceof HostKeyError && err.kind === "unknown", String(err));
      const fp = spawnSync("ssh-keygen", ["-l", "-f", `${sshd.hostKeyPath}.pub`], { encoding: "utf8" }).stdout.split(" ")[1];
      assert.deepEqual(info, { label: "site-a", host: "127.0.0.1", port: sshd.port, keyType: "ssh-ed25519", fingerprint: fp, otherKnownTypes: [] });
      assert.equal(existsSync(kh), false);
    });

    test("unknown host: accepted and recorded hashed; the next connect does not ask", async () => {
      const kh = join(dir, "kh_new");
      let asks = 0;
      const o = opts({ recordNewHostKeys: true, onUnknownHost: async () => ++asks > 0 });
      await (await connectSsh("site-a", target(`root@127.0.0.1:${sshd.port}`, { knownHostsFile: kh }), o)).close();
      await (await connectSsh("site-a", target(`root@127.0.0.1:${sshd.port}`, { knownHostsFile: kh }), o)).close();
      assert.equal(asks, 1);
      const found = spawnSync("ssh-keygen", ["-F", `[127.0.0.1]:${sshd.port}`, "-f", kh], { encoding: "utf8" });
      assert.equal(found.status, 0);
    });

    test("changed host key: refused with file:line, no prompt", async () => {
      const kh = join(dir, "kh_changed");
      const other = publicKey(makeKey(dir, "other_host")).split(" ").slice(0, 2).join(" ");
      writeFileSync(kh, `# old\n[127.0.0.1]:${sshd.port} ${other}\n`);
      const err = await connectSsh("site-a", target(`root@127.0.0.1:${sshd.port}`, { knownHostsFile: kh }),
        opts({ onUnknownHost: async () => assert.fail("must not ask") })).catch((e: unknown) => e);
      assert.ok(err instanceof HostKeyError && err.kind === "changed", String(err));
      assert.equal(err.location, `${kh}:2`);
      assert.match(err.message, new RegExp(`${kh}:2`));
    });
  });

  describe("failures", () => {
    let silent: Server;
    const sockets: Socket[] = [];
    before(async () => {
      // Accepts TCP but never speaks SSH, like a firewall-eaten or wedged server.
      silent = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    });

    test("connect timeout: SshError connect-timeout, quickly, with what to check", async () => {
      const port = (silent.address() as { port: number }).port;
      const t0 = performance.now();
      const err = await connectSsh("site-a", target(`root@127.0.0.1:${port}`), opts({ connectTimeoutMs: 300 }))
        .catch((e: unknown) => e);
      const took = performance.now() - t0;
      assert.ok(err instanceof SshError && err.kind === "connect-timeout", String(err));
      assert.ok(took < 2000, `took ${took} ms`);
      assert.match(err.message, new RegExp(`^site-a \\(127\\.0\\.0\\.1:${port}\\): connecting: .*is sshd listening on 127\\.0\\.0\\.1:${port}\\? is the address right in the site file's ssh field\\?`));
    });

    test("nothing listening: SshError refused", async () => {
      const port = await freePort();
      const err = await connectSsh("site-a", target(`root@127.0.0.1:${port}`), opts()).catch((e: unknown) => e);
      assert.ok(err instanceof SshError && err.kind === "refused", String(err));
      assert.match(err.message, /is sshd listening/);
    });

    test("connection lost mid-command: the pending exec rejects with kind lost; later execs too", async () => {
      const conn = await connectSsh("site-a", target(`root@127.0.0.1:${sshd.port}`), opts());
      await withConn(conn, async (c) => {
        // $PPID is the sshd process serving this session: killing it drops the connection.
        const err = await c.exec("kill -9 $PPID; sleep 5").catch((e: unknown) => e);
        assert.ok(err instanceof SshError && err.kind === "lost", String(err));
        assert.match(err.message, /running kill/);
        const again = await c.exec("true").catch((e: unknown) => e);
        assert.ok(again instanceof SshError && again.kind === "lost");
      });
    });

    test("command timeout: rejected, the connection stays usable", async () => {
      await withConn(await connectSsh("site-a", target(`root@127.0.0.1:${sshd.port}`), opts()), async (c) => {
        const t0 = performance.now();
        const err = await c.exec("sleep 5", { timeoutMs: 200 }).catch((e: unknown) => e);
        assert.ok(err instanceof SshError && err.kind === "command-timeout", String(err));
        assert.ok(performance.now() - t0 < 2000);
        assert.equal((await c.exec("echo still-here")).stdout, "still-here\n");
      });
    });
  });
});
