import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runCli } from "../helpers/run-cli.ts";
import { makeKey, publicKey, startSshd, tempDir, type TestSshd } from "./helpers/sshd.ts";

// The whole command, as an operator runs it: `wgsite plan` reads only, so it is safe against this machine's sshd.
const dir = tempDir("wgsite-cli-ssh-");
const key = makeKey(dir, "id_shared", "correct horse");
const ecdsaHostKey = join(dir, "host_ecdsa");
execFileSync("ssh-keygen", ["-q", "-t", "ecdsa", "-N", "", "-f", ecdsaHostKey]);
const config = join(dir, "ssh_config");
const knownHosts = join(dir, "known_hosts");
let a: TestSshd;
let b: TestSshd;
let ecdsaOnly: TestSshd;

before(async () => {
  a = await startSshd({ authorizedKeys: [publicKey(key)] });
  b = await startSshd({ authorizedKeys: [publicKey(key)] });
  ecdsaOnly = await startSshd({ authorizedKeys: [publicKey(key)], hostKeyPath: ecdsaHostKey });
  writeFileSync(config, [
    "Host gw-a", "  HostName 127.0.0.1", `  Port ${a.port}`,
    "Host gw-b", "  HostName 127.0.0.1", `  Port ${b.port}`, "  ProxyJump gw-a",
    "Host gw-ecdsa", "  HostName 127.0.0.1", `  Port ${ecdsaOnly.port}`,
    "Host *", "  User root", `  IdentityFile ${key}`, "  IdentitiesOnly yes", `  UserKnownHostsFile ${knownHosts}`, "  GlobalKnownHostsFile none",
  ].join("\n") + "\n");
  writeFileSync(knownHosts, [
    `[127.0.0.1]:${a.port} ${a.hostKeyLine}`,
    `[127.0.0.1]:${b.port} ${b.hostKeyLine}`,
    `[127.0.0.1]:${ecdsaOnly.port} ${a.hostKeyLine}`,
  ].join("\n") + "\n");
});
after(async () => {
  await Promise.all([a?.stop(), b?.stop(), ecdsaOnly?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function site(alpha: string, beta: string): string {
  const file = join(dir, `site-${alpha}-${beta}.yaml`);
  writeFileSync(file, readFileSync(new URL("../../examples/alpha-beta.yaml", import.meta.url), "utf8")
    .replace("ssh: root@192.0.2.1", `ssh: ${alpha}`).replace("ssh: ops@198.51.100.7:2222", `ssh: ${beta}`));
  return file;
}

const env = { SSH_AUTH_SOCK: "", WGSITE_KEY_PASSPHRASE: "correct horse" };

test("one encrypted key for both gateways, beta through alpha: WGSITE_KEY_PASSPHRASE opens both", () => {
  const r = runCli(["plan", "-c", site("gw-a", "gw-b"), "--ssh-config", config], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Steps/);
  assert.doesNotMatch(r.stdout + r.stderr, /correct horse/);
});

test("a wrong WGSITE_KEY_PASSPHRASE: exit 1 saying so, never showing it", () => {
  const r = runCli(["plan", "-c", site("gw-a", "gw-b"), "--ssh-config", config], { env: { ...env, WGSITE_KEY_PASSPHRASE: "hunter2-secret" } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /WGSITE_KEY_PASSPHRASE does not decrypt/);
  assert.doesNotMatch(r.stderr, /hunter2-secret/);
});

test("a known gateway offering an unrecorded key type: exit 4, even with --accept-new-host-keys", () => {
  const r = runCli(["plan", "-c", site("gw-ecdsa", "gw-a"), "--ssh-config", config, "--accept-new-host-keys"], { env });
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /HOST KEY TYPE CHANGED for alpha .*known_hosts holds a ssh-ed25519 key for it .*ssh-keygen -R/);
  assert.doesNotMatch(readFileSync(knownHosts, "utf8"), /ecdsa/);
});
