import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { namesMatch, parseKnownHosts } from "../../src/remote/ssh/known-hosts.ts";
import { makeKey, publicKey, tempDir } from "./helpers/sshd.ts";

// known_hosts files as people keep them, each lookup compared with OpenSSH's `ssh-keygen -F` at test time.
const FIXTURES = fileURLToPath(new URL("../fixtures/known-hosts/", import.meta.url));
const hasKeygen = spawnSync("ssh-keygen", ["-?"]).error === undefined;
const dir = tempDir("wgsite-kh-corpus-");
after(() => rmSync(dir, { recursive: true, force: true }));

const keys: Record<string, string> = {};
if (hasKeygen) {
  keys.ED25519 = publicKey(makeKey(dir, "ed")).split(" ").slice(0, 2).join(" ");
  for (const [name, type] of [["ECDSA", "ecdsa"], ["RSA", "rsa"]] as const) {
    execFileSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-f", join(dir, type)]);
    keys[name] = publicKey(join(dir, type)).split(" ").slice(0, 2).join(" ");
  }
}

type Case = { readonly name: string; readonly file: string; readonly lookups: string[] };

/** `# lookup: a [b]:2222` names what to look up; `# hash: yes` hashes the file with `ssh-keygen -H` first. */
function loadCases(): Case[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith(".known_hosts")).sort().map((f) => {
    const text = readFileSync(join(FIXTURES, f), "utf8").replace(/@(ED25519|ECDSA|RSA)@/g, (_w, k: string) => keys[k]!);
    const file = join(dir, f);
    writeFileSync(file, text);
    if (/^# hash: yes$/m.test(text)) execFileSync("ssh-keygen", ["-q", "-H", "-f", file]);
    return { name: f.replace(/\.known_hosts$/, ""), file, lookups: /^# lookup: (.+)$/m.exec(text)![1]!.trim().split(/\s+/) };
  });
}

/** The line numbers `ssh-keygen -F` reports for a name. */
function oracle(file: string, name: string): number[] {
  const r = spawnSync("ssh-keygen", ["-F", name, "-f", file], { encoding: "utf8" });
  return [...r.stdout.matchAll(/found: line (\d+)/g)].map((m) => Number(m[1]));
}

function ours(file: string, name: string): number[] {
  return parseKnownHosts(readFileSync(file, "utf8"), file).filter((e) => namesMatch(e.names, name.toLowerCase())).map((e) => e.line);
}

describe("known_hosts corpus against ssh-keygen -F", { skip: hasKeygen ? false : "no ssh-keygen installed: OpenSSH is the oracle" }, () => {
  for (const c of hasKeygen ? loadCases() : []) {
    for (const name of c.lookups) {
      test(`${c.name}: ${name}`, () => assert.deepEqual(ours(c.file, name), oracle(c.file, name)));
    }
  }
});
