import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { BUILT_IN_LACKS, parseTargetSpec, resolveTarget, type Resolver } from "../../src/remote/ssh/target.ts";
import { tempDir } from "./helpers/sshd.ts";

// Real-world ssh_config cases, each checked against OpenSSH's own reading of it (`ssh -G`) at test time.
const FIXTURES = fileURLToPath(new URL("../fixtures/ssh-config/", import.meta.url));
const hasSsh = spawnSync("ssh", ["-V"]).status === 0;
const dir = tempDir("wgsite-corpus-");
cpSync(FIXTURES, dir, { recursive: true });
after(() => rmSync(dir, { recursive: true, force: true }));

type Case = { readonly name: string; readonly file: string; readonly targets: string[]; readonly builtInLacks?: string };

/** `# targets: a b` names what to resolve; `# built-in lacks: …` names a gap the fallback parser admits. */
function loadCases(): Case[] {
  return readdirSync(dir).filter((f) => f.endsWith(".ssh_config")).sort().map((f) => {
    const file = join(dir, f);
    const text = readFileSync(file, "utf8").replaceAll("@DIR@", dir);
    writeFileSync(file, text);
    const header = (key: string) => new RegExp(`^# ${key}: (.+)$`, "m").exec(text)?.[1]?.trim();
    return { name: f.replace(/\.ssh_config$/, ""), file, targets: header("targets")!.split(/\s+/), builtInLacks: header("built-in lacks") };
  });
}

/** What OpenSSH says, straight from `ssh -G` (a target with a port goes as an ssh:// URI, as a person would type it). */
function oracle(file: string, target: string) {
  const withPort = /^(.*@)?(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(target);
  const args = withPort ? ["-p", withPort[4]!, `${withPort[1] ?? ""}${withPort[2] ?? withPort[3]}`] : [target];
  const r = spawnSync("ssh", ["-G", "-F", file, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split("\n").map((l) => /^(\S+) (.*)$/.exec(l)).filter((m) => m !== null);
  const all = (k: string) => lines.filter((m) => m[1] === k).map((m) => m[2]!);
  const one = (k: string) => all(k)[0];
  const host = one("hostname")!;
  const user = one("user")!;
  const p = one("port")!;
  const original = target.replace(/^.*@/, "").replace(/^\[([^\]]+)\].*$/, "$1").replace(/:\d+$/, "");
  // Only what this corpus uses: OpenSSH leaves IdentityFile and ProxyCommand tokens for later.
  const tokens = (s: string) => s.replace(/%([%dhnpru])/g, (_w, t: string) =>
    ({ "%": "%", d: homedir(), h: host, n: original, p, r: user, u: "root" })[t]!);
  const path = (s: string) => tokens(s.replace(/\$\{HOME\}/g, homedir())).replace(/^~(?=\/|$)/, homedir());
  const files = (k: string) => {
    const v = one(k);
    return v === undefined || v === "none" ? [] : v.split(" ");
  };
  const proxyCommand = one("proxycommand");
  return {
    host,
    user,
    port: Number(p),
    identityFiles: all("identityfile").filter((f) => f !== "none").map(path),
    proxyJump: (one("proxyjump")?.split(",") ?? []).map(hop),
    proxyCommand: proxyCommand === undefined ? undefined : tokens(proxyCommand),
    knownHostsFiles: files("userknownhostsfile"),
    globalKnownHostsFiles: files("globalknownhostsfile"),
    hostKeyAlias: one("hostkeyalias"),
  };
}

/** A ProxyJump hop as user, host and port: `ssh -G` rewrites `ssh://u@h:p` as `u@[h]:p`. */
function hop(spec: string) {
  return parseTargetSpec(spec);
}

function resolved(file: string, target: string, resolver: Resolver) {
  const t = resolveTarget(target, { sshConfigFile: file, resolver });
  // The chain is flattened (the first hop's own jumps come first); the last ones are the ProxyJump list itself.
  const listed = t.jumps.length === 0 ? [] : t.jumps.slice(t.jumps.length - (oracle(file, target).proxyJump.length || t.jumps.length));
  return {
    host: t.host,
    user: t.user,
    port: t.port,
    identityFiles: [...t.identityFiles],
    proxyJump: listed.map((j) => hop(j.name)),
    proxyCommand: t.proxyCommand,
    knownHostsFiles: [...t.knownHostsFiles],
    globalKnownHostsFiles: [...t.globalKnownHostsFiles],
    hostKeyAlias: t.hostKeyAlias,
  };
}

const cases = loadCases();

describe("ssh_config corpus against ssh -G", { skip: hasSsh ? false : "no OpenSSH client (ssh) installed: OpenSSH is the oracle" }, () => {
  test("the corpus holds at least 40 cases", () => assert.ok(cases.length >= 40, `${cases.length} cases`));

  for (const c of cases) {
    for (const target of c.targets) {
      test(`${c.name}: ${target} (ssh -G resolver)`, () => {
        assert.deepEqual(resolved(c.file, target, "ssh -G"), oracle(c.file, target));
      });
      if (c.builtInLacks !== undefined) {
        test(`${c.name}: ${target} (built-in parser admits it lacks ${c.builtInLacks})`, () => {
          assert.ok(BUILT_IN_LACKS.some((l) => l.startsWith(c.builtInLacks!)), `"${c.builtInLacks}" is not in BUILT_IN_LACKS`);
        });
      } else {
        test(`${c.name}: ${target} (built-in parser)`, () => {
          assert.deepEqual(resolved(c.file, target, "built-in"), oracle(c.file, target));
        });
      }
    }
  }
});
