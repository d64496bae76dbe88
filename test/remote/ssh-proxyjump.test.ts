import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connectSsh, type ConnectOptions } from "../../src/remote/ssh/connect.ts";
import { HostKeyError, SshError } from "../../src/remote/ssh/errors.ts";
import type { UnknownHostInfo } from "../../src/remote/ssh/host-key.ts";
import { resolveTarget } from "../../src/remote/ssh/target.ts";
import { makeKey, publicKey, startSshd, tempDir, type TestSshd } from "./helpers/sshd.ts";

const dir = tempDir("wgsite-jump-");
const key = makeKey(dir, "id");
let gw: TestSshd;
let jump: TestSshd;
let closedJump: TestSshd;
let config: string;
let knownHosts: string;

before(async () => {
  // One by one, so a failure leaves the ones already started assigned for after() to stop.
  gw = await startSshd({ authorizedKeys: [publicKey(key)] });
  jump = await startSshd({ authorizedKeys: [publicKey(key)] });
  closedJump = await startSshd({ authorizedKeys: [publicKey(key)], extraConfig: "AllowTcpForwarding no" });
  config = join(dir, "ssh_config");
  writeFileSync(config, [
    "Host gw", "  HostName 127.0.0.1", `  Port ${gw.port}`, "  ProxyJump jump",
    "Host gw2", "  HostName 127.0.0.1", `  Port ${gw.port}`, "  ProxyJump jump,jump",
    "Host gw-closed", "  HostName 127.0.0.1", `  Port ${gw.port}`, "  ProxyJump closed",
    "Host jump", "  HostName 127.0.0.1", `  Port ${jump.port}`,
    "Host closed", "  HostName 127.0.0.1", `  Port ${closedJump.port}`,
    "Host *", "  User root", `  IdentityFile ${key}`,
  ].join("\n") + "\n");
  knownHosts = join(dir, "known_hosts");
  writeFileSync(knownHosts, [gw, jump, closedJump].map((s) => `[127.0.0.1]:${s.port} ${s.hostKeyLine}\n`).join(""));
});
after(async () => {
  await Promise.all([gw?.stop(), jump?.stop(), closedJump?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function opts(extra: Partial<ConnectOptions> = {}): ConnectOptions {
  return { askPassphrase: async () => undefined, onUnknownHost: async () => false, recordNewHostKeys: false, agentSocket: "", ...extra };
}

describe("ProxyJump", () => {
  test("one hop: runs on the gateway through the jump host", async () => {
    const t0 = performance.now();
    const conn = await connectSsh("site-b", resolveTarget("gw", { sshConfigFile: config, knownHostsFile: knownHosts }), opts());
    console.log(`  connect through one jump host: ${(performance.now() - t0).toFixed(0)} ms`);
    try {
      const r = await conn.exec("cat", { stdin: "through the tunnel" });
      assert.equal(r.stdout, "through the tunnel");
      assert.equal(conn.stats.connections, 2);
    } finally {
      await conn.close();
    }
  });

  test("two hops (jump,jump): three SSH sessions nested", async () => {
    const conn = await connectSsh("site-b", resolveTarget("gw2", { sshConfigFile: config, knownHostsFile: knownHosts }), opts());
    try {
      assert.equal((await conn.exec("echo deep")).stdout, "deep\n");
      assert.equal(conn.stats.connections, 3);
    } finally {
      await conn.close();
    }
  });

  test("each hop's key is checked by its own name; an unknown jump host is asked about as such", async () => {
    const kh = join(dir, "kh_gw_only");
    writeFileSync(kh, `[127.0.0.1]:${gw.port} ${gw.hostKeyLine}\n`);
    const asked: UnknownHostInfo[] = [];
    const err = await connectSsh("site-b", resolveTarget("gw", { sshConfigFile: config, knownHostsFile: kh }), opts({
      onUnknownHost: async (info) => {
        asked.push(info);
        return false;
      },
    })).catch((e: unknown) => e);
    assert.ok(err instanceof HostKeyError && err.kind === "unknown", String(err));
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.port, jump.port);
    assert.equal((asked[0] as UnknownHostInfo & { jumpHost?: string }).jumpHost, "jump");
  });

  test("the gateway's key is verified too when reached through a hop", async () => {
    const kh = join(dir, "kh_changed_gw");
    writeFileSync(kh, `[127.0.0.1]:${jump.port} ${jump.hostKeyLine}\n[127.0.0.1]:${gw.port} ${jump.hostKeyLine}\n`);
    const err = await connectSsh("site-b", resolveTarget("gw", { sshConfigFile: config, knownHostsFile: kh }), opts())
      .catch((e: unknown) => e);
    assert.ok(err instanceof HostKeyError && err.kind === "changed" && err.port === gw.port, String(err));
  });

  test("a jump host that forbids forwarding: SshError refused naming the hop", async () => {
    const err = await connectSsh("site-b", resolveTarget("gw-closed", { sshConfigFile: config, knownHostsFile: knownHosts }), opts())
      .catch((e: unknown) => e);
    assert.ok(err instanceof SshError && err.kind === "refused", String(err));
    assert.match(err.message, /jump host closed could not open a tunnel.*does closed allow TCP forwarding/);
  });

  test("nothing listening behind the jump host: SshError refused", async () => {
    const t = resolveTarget("127.0.0.1:1", {
      sshConfigFile: config, knownHostsFile: knownHosts, identityFile: key,
    });
    const err = await connectSsh("site-b", { ...t, user: "root", jumps: resolveTarget("gw", { sshConfigFile: config, knownHostsFile: knownHosts }).jumps }, opts())
      .catch((e: unknown) => e);
    assert.ok(err instanceof SshError && err.kind === "refused", String(err));
    assert.match(err.message, /^site-b \(127\.0\.0\.1:1\): connecting: jump host jump could not open a tunnel/);
  });
});
