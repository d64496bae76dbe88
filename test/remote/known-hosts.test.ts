import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { HostKeyError } from "../../src/remote/ssh/errors.ts";
import { recordHostKey, verifyHostKey } from "../../src/remote/ssh/host-key.ts";
import {
  checkHostKey,
  fingerprint,
  knownHostName,
  namesMatch,
  parseKnownHosts,
} from "../../src/remote/ssh/known-hosts.ts";
import { makeKey, publicKey, tempDir } from "./helpers/sshd.ts";

const dir = tempDir("wgsite-kh-");
after(() => rmSync(dir, { recursive: true, force: true }));

const keyA = publicKey(makeKey(dir, "a")).split(" ").slice(0, 2).join(" ");
const keyB = publicKey(makeKey(dir, "b")).split(" ").slice(0, 2).join(" ");
execFileSync("ssh-keygen", ["-q", "-t", "ecdsa", "-N", "", "-f", join(dir, "c")]);
const keyC = publicKey(join(dir, "c")).split(" ").slice(0, 2).join(" ");
const blob = (line: string) => Buffer.from(line.split(" ")[1]!, "base64");

function khFile(lines: string[]): string {
  const file = join(dir, `kh-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

function check(file: string, host: string, port: number, key: string) {
  return checkHostKey(parseKnownHosts(readFileSync(file, "utf8"), file), knownHostName(host, port), blob(key));
}

describe("known_hosts matching", () => {
  test("plain name, comma lists, [host]:port for other ports", () => {
    const file = khFile([
      "# comment",
      `gw1,192.0.2.1 ${keyA}`,
      `[gw2]:2222 ${keyA}`,
    ]);
    assert.equal(check(file, "gw1", 22, keyA).status, "ok");
    assert.equal(check(file, "192.0.2.1", 22, keyA).status, "ok");
    assert.equal(check(file, "GW1", 22, keyA).status, "ok", "host names compare case-insensitively");
    assert.equal(check(file, "gw2", 2222, keyA).status, "ok");
    assert.equal(check(file, "gw2", 22, keyA).status, "unknown", "port 22 entry is not [gw2]:2222");
    assert.equal(check(file, "gw1", 2222, keyA).status, "unknown");
  });

  test("wildcards and negation", () => {
    assert.equal(namesMatch("*.example.com,!bad.example.com", "ok.example.com"), true);
    assert.equal(namesMatch("*.example.com,!bad.example.com", "bad.example.com"), false);
    assert.equal(namesMatch("gw?", "gw1"), true);
    assert.equal(namesMatch("[gw]:*", "[gw]:2222"), true);
  });

  test("hashed entries made by ssh-keygen -H match, also for [host]:port", () => {
    const file = khFile([`gw-hashed ${keyA}`, `[10.1.2.3]:2022 ${keyB}`]);
    execFileSync("ssh-keygen", ["-q", "-H", "-f", file], { stdio: "ignore" });
    const text = readFileSync(file, "utf8");
    assert.ok(!text.includes("gw-hashed") && text.startsWith("|1|"), "ssh-keygen hashed the file");
    assert.equal(check(file, "gw-hashed", 22, keyA).status, "ok");
    assert.equal(check(file, "10.1.2.3", 2022, keyB).status, "ok");
    assert.equal(check(file, "10.1.2.3", 22, keyB).status, "unknown");
    assert.equal(check(file, "gw-hashed", 22, keyA.replace(/.{4}$/, "AAAA")).status, "changed");
  });

  test("a different key of the same type is 'changed' with file:line", () => {
    const file = khFile(["", `other ${keyB}`, `gw ${keyA}`]);
    const r = check(file, "gw", 22, keyB);
    assert.deepEqual(r, { status: "changed", location: `${file}:3` });
  });

  test("a key of another type only is unknown to the matcher, naming the known types and their lines", () => {
    const file = khFile([`gw ${keyC}`]);
    const r = check(file, "gw", 22, keyA);
    assert.deepEqual(r, { status: "unknown", otherTypes: ["ecdsa-sha2-nistp256"], locations: [`${file}:1`] });
  });

  test("another matching line with the right key wins over a stale one", () => {
    const file = khFile([`gw ${keyB}`, `gw ${keyA}`]);
    assert.equal(check(file, "gw", 22, keyA).status, "ok");
  });

  test("@revoked refuses even when a plain line trusts the key; @cert-authority is skipped", () => {
    const file = khFile([`gw ${keyA}`, `@revoked * ${keyA}`, `@cert-authority gw ${keyB}`]);
    assert.deepEqual(check(file, "gw", 22, keyA), { status: "revoked", location: `${file}:2` });
    const caOnly = khFile([`@cert-authority gw ${keyB}`]);
    assert.equal(check(caOnly, "gw", 22, keyB).status, "unknown", "a CA key is not a host key");
    assert.equal(check(caOnly, "gw", 22, keyA).status, "unknown", "nor does it make other keys 'changed'");
  });

  test("fingerprint is what ssh-keygen -l prints", () => {
    const out = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", join(dir, "a.pub")], { encoding: "utf8" });
    assert.equal(fingerprint(blob(keyA)), out.split(" ")[1]);
  });
});

describe("verifyHostKey", () => {
  const target = (files: string[], port = 2222) => ({ host: "127.0.0.1", port, knownHostsFiles: files });
  const never = async () => {
    throw new Error("must not ask");
  };

  test("unknown + declined -> HostKeyError unknown, nothing written", async () => {
    const file = join(dir, "kh-declined");
    let asked: unknown;
    const err = await verifyHostKey("site-a", target([file]), blob(keyA), {
      recordNewHostKeys: true,
      onUnknownHost: async (info) => {
        asked = info;
        return false;
      },
    }).catch((e: unknown) => e);
    assert.ok(err instanceof HostKeyError && err.kind === "unknown" && err.label === "site-a");
    assert.match(err.message, /site-a \(127\.0\.0\.1:2222\).*SHA256:/);
    assert.deepEqual(asked, {
      label: "site-a", host: "127.0.0.1", port: 2222, keyType: "ssh-ed25519",
      fingerprint: fingerprint(blob(keyA)), otherKnownTypes: [],
    });
    assert.equal(spawnSync("test", ["-e", file]).status, 1);
  });

  test("accepted + recorded: a hashed line that ssh-keygen -F finds, and the next check is ok", async () => {
    const file = join(dir, "sub", "known_hosts");
    await verifyHostKey("site-a", target([file]), blob(keyA), { recordNewHostKeys: true, onUnknownHost: async () => true });
    const text = readFileSync(file, "utf8");
    assert.match(text, /^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 AAAA\S+\n$/);
    assert.ok(!text.includes("127.0.0.1"), "the host name is hashed");
    const found = spawnSync("ssh-keygen", ["-F", "[127.0.0.1]:2222", "-f", file], { encoding: "utf8" });
    assert.equal(found.status, 0, found.stderr);
    assert.match(found.stdout, /found: line 1/);
    await verifyHostKey("site-a", target([file]), blob(keyA), { recordNewHostKeys: true, onUnknownHost: never });
  });

  test("accepted without recording writes nothing", async () => {
    const file = join(dir, "kh-norecord");
    await verifyHostKey("site-a", target([file]), blob(keyA), { recordNewHostKeys: false, onUnknownHost: async () => true });
    assert.equal(spawnSync("test", ["-e", file]).status, 1);
  });

  test("recording onto a file without a final newline keeps lines apart", () => {
    const file = join(dir, "kh-nonl");
    writeFileSync(file, `gw ${keyB}`);
    recordHostKey(file, "[127.0.0.1]:2222", blob(keyA));
    assert.equal(readFileSync(file, "utf8").split("\n").filter(Boolean).length, 2);
  });

  test("changed -> HostKeyError changed naming file:line, never asks", async () => {
    const file = khFile([`[127.0.0.1]:2222 ${keyB}`]);
    const err = await verifyHostKey("site-b", target([file]), blob(keyA), { recordNewHostKeys: true, onUnknownHost: never })
      .catch((e: unknown) => e);
    assert.ok(err instanceof HostKeyError && err.kind === "changed");
    assert.equal(err.location, `${file}:1`);
    assert.match(err.message, new RegExp(`HOST KEY CHANGED for site-b .*${file}:1`));
  });

  test("revoked -> HostKeyError revoked", async () => {
    const file = khFile([`@revoked [127.0.0.1]:2222 ${keyA}`]);
    const err = await verifyHostKey("site-b", target([file]), blob(keyA), { recordNewHostKeys: true, onUnknownHost: never })
      .catch((e: unknown) => e);
    assert.ok(err instanceof HostKeyError && err.kind === "revoked");
  });

  test("entries are looked up in every known_hosts file", async () => {
    const first = khFile([]);
    const second = khFile([`[127.0.0.1]:2222 ${keyA}`]);
    await verifyHostKey("x", target([first, second]), blob(keyA), { recordNewHostKeys: true, onUnknownHost: never });
  });
});
