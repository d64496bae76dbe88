import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { parseTargetSpec, resolveTarget } from "../../src/remote/ssh/target.ts";

const dir = mkdtempSync(join(tmpdir(), "wgsite-target-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function config(text: string): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  return file;
}

describe("parseTargetSpec", () => {
  test("user@host:port", () => {
    assert.deepEqual(parseTargetSpec("admin@gw.example:2222"), { user: "admin", host: "gw.example", port: 2222 });
  });
  test("bare host", () => {
    assert.deepEqual(parseTargetSpec("gw"), { user: undefined, host: "gw", port: undefined });
  });
  test("bracketed IPv6 with port", () => {
    assert.deepEqual(parseTargetSpec("root@[2001:db8::1]:2222"), { user: "root", host: "2001:db8::1", port: 2222 });
  });
  test("bare IPv6 has no port", () => {
    assert.deepEqual(parseTargetSpec("2001:db8::1"), { user: undefined, host: "2001:db8::1", port: undefined });
  });
  test("ssh:// URI as allowed in ProxyJump", () => {
    assert.deepEqual(parseTargetSpec("ssh://u@bastion:2200"), { user: "u", host: "bastion", port: 2200 });
  });
  test("the last @ separates the user", () => {
    assert.equal(parseTargetSpec("ad@corp@gw").user, "ad@corp");
  });
  test("bad ports are rejected with the target in the message", () => {
    assert.throws(() => parseTargetSpec("gw:99999"), /gw:99999.*invalid port/);
    assert.throws(() => parseTargetSpec("gw:ssh"), /invalid port/);
    assert.throws(() => parseTargetSpec("@gw"), /empty user/);
  });
});

for (const resolver of ["ssh -G", "built-in"] as const) describe(`resolveTarget (${resolver})`, () => {
  const cfg = config(`
Host site-a
  HostName 192.0.2.10
  User admin
  Port 2201
  IdentityFile ~/.ssh/site_a
  IdentityFile /keys/%r@%h
  IdentitiesOnly yes
  UserKnownHostsFile ~/.ssh/kh_a /etc/kh_shared

Host site-b
  HostName 198.51.100.7
  ProxyJump bastion,inner:2022

Host bastion
  HostName 203.0.113.1
  User jump
  ProxyJump outer

Host outer
  HostName 203.0.113.99

Host inner
  HostName 10.0.0.5
  User in
  ProxyJump ignored-because-not-first

Host loop
  ProxyJump loop

Host *.corp
  HostName %h.example.net

Host *
  User fallback
  Port 2999
`);

  test("alias: HostName, User, Port, IdentityFile (~ and % tokens), IdentitiesOnly, UserKnownHostsFile", () => {
    const t = resolveTarget("site-a", { resolver, sshConfigFile: cfg });
    assert.equal(t.name, "site-a");
    assert.equal(t.host, "192.0.2.10");
    assert.equal(t.user, "admin");
    assert.equal(t.port, 2201, "the first value obtained wins over Host *");
    assert.deepEqual(t.identityFiles, [`${homedir()}/.ssh/site_a`, "/keys/admin@192.0.2.10"]);
    assert.equal(t.identitiesOnly, true);
    assert.deepEqual(t.knownHostsFiles, [`${homedir()}/.ssh/kh_a`, "/etc/kh_shared"]);
    assert.deepEqual(t.jumps, []);
  });

  test("what the target says beats the config", () => {
    const t = resolveTarget("root@site-a:22", { resolver, sshConfigFile: cfg });
    assert.equal(t.user, "root");
    assert.equal(t.port, 22);
    assert.equal(t.host, "192.0.2.10");
  });

  test("explicit -i comes first; explicit known_hosts replaces the config's", () => {
    const t = resolveTarget("site-a", { resolver, sshConfigFile: cfg, identityFile: "/tmp/k", knownHostsFile: "/tmp/kh" });
    assert.equal(t.identityFiles[0], "/tmp/k");
    assert.deepEqual(t.knownHostsFiles, ["/tmp/kh"]);
  });

  test("multi-hop ProxyJump: hops resolved through the config; only the first hop's own ProxyJump is followed", () => {
    const t = resolveTarget("site-b", { resolver, sshConfigFile: cfg });
    assert.equal(t.host, "198.51.100.7");
    assert.deepEqual(t.jumps.map((j) => [j.name, j.user, j.host, j.port]), [
      ["outer", "fallback", "203.0.113.99", 2999],
      ["bastion", "jump", "203.0.113.1", 2999],
      ["inner:2022", "in", "10.0.0.5", 2022],
    ]);
    assert.ok(t.jumps.every((j) => j.jumps.length === 0));
  });

  test("a ProxyJump loop is reported, not followed forever", () => {
    assert.throws(() => resolveTarget("loop", { resolver, sshConfigFile: cfg }), /too deep/);
  });

  test("%h in HostName is the name as typed", () => {
    assert.equal(resolveTarget("gw.corp", { resolver, sshConfigFile: cfg }).host, "gw.corp.example.net");
  });

  test("literal address without matching Host: defaults", () => {
    const empty = config("");
    const t = resolveTarget("192.0.2.1", { resolver, sshConfigFile: empty });
    assert.equal(t.port, 22);
    assert.equal(t.user, process.getuid?.() === 0 ? "root" : userInfo().username);
    assert.deepEqual(t.identityFiles, ["id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "id_xmss", "id_dsa"].map((k) => `${homedir()}/.ssh/${k}`));
    assert.deepEqual(t.knownHostsFiles, [`${homedir()}/.ssh/known_hosts`, `${homedir()}/.ssh/known_hosts2`]);
    assert.deepEqual(t.globalKnownHostsFiles, ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"]);
    assert.equal(t.resolver, resolver);
  });

  test("IPv6 literal with port", () => {
    const t = resolveTarget("[2001:db8::1]:2222", { resolver, sshConfigFile: config("") });
    assert.equal(t.host, "2001:db8::1");
    assert.equal(t.port, 2222);
  });

  test("keywords are case-insensitive", () => {
    const t = resolveTarget("x", { resolver, sshConfigFile: config("host x\n  hostname 192.0.2.3\n  port 2\n  user u\n") });
    assert.deepEqual([t.host, t.port, t.user], ["192.0.2.3", 2, "u"]);
  });

  test("Include: globs sorted, inside a Host block applies there", () => {
    const sub = join(dir, "conf.d");
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, "10-a.conf"), "Host inc-a\n  HostName 192.0.2.21\n");
    writeFileSync(join(sub, "20-b.conf"), "Host inc-b\n  HostName 192.0.2.22\n  Port 2022\n");
    writeFileSync(join(dir, "user-only"), "User scoped\n");
    const main = config(`Include ${sub}/*.conf\nHost inc-b\n  Include ${join(dir, "user-only")}\nHost *\n  Port 2999\n`);
    assert.equal(resolveTarget("inc-a", { resolver, sshConfigFile: main }).host, "192.0.2.21");
    const b = resolveTarget("inc-b", { resolver, sshConfigFile: main });
    assert.deepEqual([b.host, b.port, b.user], ["192.0.2.22", 2022, "scoped"]);
    assert.notEqual(resolveTarget("inc-a", { resolver, sshConfigFile: main }).user, "scoped");
  });

  test("a missing explicit config file is an error", () => {
    assert.throws(() => resolveTarget("x", { resolver, sshConfigFile: join(dir, "nope") }), /ssh config file not found/);
  });
});
