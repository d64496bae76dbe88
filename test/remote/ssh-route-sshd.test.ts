import assert from "node:assert/strict";
import { execFileSync, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { toExitError } from "../../src/remote/gateways.ts";
import { connectSsh, type ConnectOptions } from "../../src/remote/ssh/connect.ts";
import { HostKeyError, SshError } from "../../src/remote/ssh/errors.ts";
import { resolveTarget } from "../../src/remote/ssh/target.ts";
import { ExitError } from "../../src/core/exit-codes.ts";
import { makeKey, publicKey, spawnWatched, startSshd, stopProcess, tempDir, type TestSshd } from "./helpers/sshd.ts";

// What the operator's ssh config says about the route, against real sshd (and the real ssh client as ProxyCommand).
const dir = tempDir("wgsite-route-");
const key = makeKey(dir, "id");
const agentKey = makeKey(dir, "id_agent");
const knownHosts = join(dir, "known_hosts");
const config = join(dir, "ssh_config");
const ecdsaHostKey = join(dir, "host_ecdsa");
execFileSync("ssh-keygen", ["-q", "-t", "ecdsa", "-N", "", "-f", ecdsaHostKey]);
let gw: TestSshd;
let jump: TestSshd;
let ecdsaOnly: TestSshd;

function opts(extra: Partial<ConnectOptions> = {}): ConnectOptions {
  return { askPassphrase: async () => undefined, onUnknownHost: async () => false, recordNewHostKeys: false, agentSocket: "", ...extra };
}

before(async () => {
  gw = await startSshd({ authorizedKeys: [publicKey(key), publicKey(agentKey)] });
  jump = await startSshd({ authorizedKeys: [publicKey(key)] });
  ecdsaOnly = await startSshd({ authorizedKeys: [publicKey(key)], hostKeyPath: ecdsaHostKey });
  const common = ["  User root", `  UserKnownHostsFile ${knownHosts}`, "  GlobalKnownHostsFile none", "  BatchMode yes"];
  writeFileSync(config, [
    "Host jump", "  HostName 127.0.0.1", `  Port ${jump.port}`,
    // The real ssh client opens the tunnel, exactly as an operator's config would.
    "Host gw-proxied", "  HostName 127.0.0.1", `  Port ${gw.port}`, `  ProxyCommand ssh -F ${config} -W %h:%p jump`,
    "Host gw-pidfile", "  HostName 127.0.0.1", `  Port ${gw.port}`,
    `  ProxyCommand sh -c 'echo $$ > ${dir}/proxy.pid; exec ssh -F ${config} -W %h:%p jump'`,
    "Host gw-broken-proxy", "  HostName 127.0.0.1", `  Port ${gw.port}`, "  ProxyCommand sh -c 'echo no route to %h >&2; exit 3'",
    "Host gw-direct", "  HostName 127.0.0.1", `  Port ${gw.port}`, "  ProxyCommand none",
    "Host gw-agent", "  HostName 127.0.0.1", `  Port ${gw.port}`, `  IdentityAgent ${dir}/agent.sock`, "  IdentityFile none",
    "Host gw-no-agent", "  HostName 127.0.0.1", `  Port ${gw.port}`, "  IdentityAgent none", "  IdentityFile none",
    "Host gw-ecdsa", "  HostName 127.0.0.1", `  Port ${ecdsaOnly.port}`,
    "Host gw-alias", "  HostName 127.0.0.1", `  Port ${gw.port}`, "  HostKeyAlias gateway-a.example",
    "Host gw-strict", "  HostName 127.0.0.1", `  Port ${gw.port}`, "  StrictHostKeyChecking yes", `  UserKnownHostsFile ${dir}/kh_strict`,
    "Host gw-accept-new", "  HostName 127.0.0.1", `  Port ${gw.port}`, "  StrictHostKeyChecking accept-new", `  UserKnownHostsFile ${dir}/kh_new`,
    "Host gw-global", "  HostName 127.0.0.1", `  Port ${gw.port}`, `  UserKnownHostsFile ${dir}/kh_empty`, `  GlobalKnownHostsFile ${dir}/kh_global`,
    "Host gw-dir*", "  ProxyCommand false",
    "Host * !gw-agent !gw-no-agent", `  IdentityFile ${key}`,
    "Host *", ...common,
  ].join("\n") + "\n");
  writeFileSync(knownHosts, [
    `[127.0.0.1]:${gw.port} ${gw.hostKeyLine}`,
    `[127.0.0.1]:${jump.port} ${jump.hostKeyLine}`,
    // Recorded with its ed25519 key; the server below offers only ECDSA.
    `[127.0.0.1]:${ecdsaOnly.port} ${gw.hostKeyLine}`,
    `gateway-a.example ${gw.hostKeyLine}`,
  ].join("\n") + "\n");
  writeFileSync(join(dir, "kh_global"), `[127.0.0.1]:${gw.port} ${gw.hostKeyLine}\n`);
});
after(async () => {
  await Promise.all([gw?.stop(), jump?.stop(), ecdsaOnly?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const target = (name: string) => resolveTarget(name, { sshConfigFile: config });

async function echo(name: string, o: ConnectOptions = opts()): Promise<string> {
  const conn = await connectSsh("alpha", target(name), o);
  try {
    return (await conn.exec("echo ok")).stdout;
  } finally {
    await conn.close();
  }
}

describe("ProxyCommand", () => {
  test("ssh -W %h:%p jump carries the connection; the route says so", async () => {
    const t = target("gw-proxied");
    assert.equal(t.proxyCommand, `ssh -F ${config} -W 127.0.0.1:${gw.port} jump`);
    assert.deepEqual(t.jumps, []);
    assert.equal(await echo("gw-proxied"), "ok\n");
  });

  test("the proxy ends with the connection", async () => {
    const conn = await connectSsh("alpha", target("gw-pidfile"), opts());
    const pid = Number(readFileSync(join(dir, "proxy.pid"), "utf8"));
    assert.ok(alive(pid));
    assert.ok(conn.stats.bytesIn > 0 && conn.stats.bytesOut > 0);
    await conn.close();
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!alive(pid), "the ProxyCommand outlived the connection");
  });

  test("a failing proxy: its exit and stderr are in the error", async () => {
    const err = await echo("gw-broken-proxy").catch((e: unknown) => e);
    assert.ok(err instanceof SshError, String(err));
    assert.match(err.message, /ProxyCommand "sh -c 'echo no route to 127\.0\.0\.1 >&2; exit 3'" exited 3: no route to 127\.0\.0\.1/);
  });

  test("ProxyCommand none exempts a host from Host *'s proxy", async () => {
    assert.equal(target("gw-direct").proxyCommand, undefined);
    assert.equal(await echo("gw-direct"), "ok\n");
  });
});

describe("IdentityAgent", () => {
  let agent: ChildProcess | undefined;
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

  test("a socket at a custom path logs in (IdentityFile none: only the agent can)", async () => {
    assert.equal(target("gw-agent").identityAgent, sock);
    assert.deepEqual(target("gw-agent").identityFiles, []);
    assert.equal(await echo("gw-agent"), "ok\n");
  });

  test("IdentityAgent none: the agent in SSH_AUTH_SOCK is not used", async () => {
    const err = await echo("gw-no-agent", opts({ agentSocket: sock })).catch((e: unknown) => e);
    assert.ok(err instanceof SshError && err.kind === "auth", String(err));
  });
});

describe("host keys as OpenSSH decides", () => {
  test("a known host offering an unrecorded key type is refused like a changed key (exit 4)", async () => {
    let asked = false;
    const err = await echo("gw-ecdsa", opts({ onUnknownHost: async () => (asked = true), recordNewHostKeys: true, acceptNewHostKeys: true }))
      .catch((e: unknown) => e);
    assert.ok(err instanceof HostKeyError && err.kind === "other-type", String(err));
    assert.equal(asked, false);
    assert.match(err.message, /known_hosts holds a ssh-ed25519 key for it \(.*known_hosts:3\), but the server offers only ecdsa-sha2-nistp256 SHA256:/);
    assert.match(err.message, new RegExp(`ssh-keygen -R '\\[127\\.0\\.0\\.1\\]:${ecdsaOnly.port}' -f ${knownHosts}`));
    const exit = toExitError(err);
    assert.ok(exit instanceof ExitError && exit.code === 4);
    assert.ok(!readFileSync(knownHosts, "utf8").includes("ecdsa-sha2"), "nothing recorded");
    // OpenSSH refuses it too.
    const ssh = spawnSync("ssh", ["-F", config, "gw-ecdsa", "true"], { encoding: "utf8" });
    assert.notEqual(ssh.status, 0);
  });

  test("HostKeyAlias: the key is looked up under the alias", async () => {
    assert.equal(await echo("gw-alias"), "ok\n");
  });

  test("GlobalKnownHostsFile is trusted", async () => {
    assert.equal(await echo("gw-global"), "ok\n");
  });

  test("StrictHostKeyChecking yes: an unknown host is refused without asking; --accept-new-host-keys overrides", async () => {
    let asked = false;
    const err = await echo("gw-strict", opts({ onUnknownHost: async () => (asked = true) })).catch((e: unknown) => e);
    assert.ok(err instanceof HostKeyError && err.kind === "unknown", String(err));
    assert.match(err.message, /StrictHostKeyChecking yes/);
    assert.equal(asked, false);
    assert.equal(await echo("gw-strict", opts({ acceptNewHostKeys: true, recordNewHostKeys: true })), "ok\n");
    assert.match(readFileSync(join(dir, "kh_strict"), "utf8"), /^\|1\|/);
  });

  test("StrictHostKeyChecking accept-new: recorded without asking, then checked", async () => {
    assert.equal(await echo("gw-accept-new", opts({ onUnknownHost: async () => assert.fail("asked") })), "ok\n");
    const found = spawnSync("ssh-keygen", ["-F", `[127.0.0.1]:${gw.port}`, "-f", join(dir, "kh_new")], { encoding: "utf8" });
    assert.equal(found.status, 0, "ssh-keygen -F finds the recorded key");
    assert.equal(await echo("gw-accept-new"), "ok\n");
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
