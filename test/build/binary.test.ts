/**
 * The single-file executables in dist/ (built by `bun build.ts`), and the CLI under Deno.
 *
 *   npx bun build.ts && npx bun test test/build
 *
 * Without dist/ binaries the binary tests skip with a visible reason.
 */
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { compileConfig, DIST, machOSignatureProblems, NO_CONFIG_FROM_CWD, ROOT, TARGETS } from "../../build.ts";
import { makeKey, publicKey, startSshd, tempDir } from "../remote/helpers/sshd.ts";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
const SITE = join(ROOT, "examples", "alpha-beta.yaml");
const binary = (name: string) => join(DIST, `wgsite-${name}`);

/** What the reference configs look like (the same checks as test/cli for the source CLI). */
function assertReferencePlan(stdout: string): void {
  assert.ok(
    stdout.includes("[Interface]\nPostUp = wg set %i private-key /etc/wireguard/%i.key\nAddress = 10.10.9.0/31\nListenPort = 51000\n\n[Peer]\n# beta site\nPublicKey = <beta public key>\nAllowedIPs = 10.10.11.0/24,10.10.9.0/31\nEndpoint = 198.51.100.7:51000\n"),
    stdout,
  );
  assert.ok(stdout.includes("Address = 10.10.9.1/31"), stdout);
  assert.ok(stdout.includes("# alpha site\nPublicKey = <alpha public key>\nAllowedIPs = 10.10.10.0/24,10.10.9.0/31\nEndpoint = 192.0.2.1:51000\n"), stdout);
}

function run(file: string, args: readonly string[], options: SpawnSyncOptions = {}) {
  const r = spawnSync(file, [...args], { encoding: "utf8", input: "", timeout: 60_000, ...options });
  return { code: r.status, signal: r.signal, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? ""), error: r.error };
}

const which = (command: string) => spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).stdout.trim() || undefined;

const missing = TARGETS.map((t) => binary(t.name)).filter((f) => !existsSync(f));
const distReason =
  process.platform !== "linux" || process.arch !== "x64"
    ? `they run the linux-x64 binary; this machine is ${process.platform}-${process.arch}`
    : missing.length > 0
      ? `not built: ${missing.map((f) => f.slice(ROOT.length)).join(", ")} (run: npx bun build.ts)`
      : undefined;

if (distReason) {
  console.warn(`[build] skipping binary tests: ${distReason}`);
  test(`binary tests (skipped: ${distReason})`, { skip: distReason }, () => {});
} else {
  // Sources newer than the binaries mean the tests below check an old build.
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  if (newest(join(ROOT, "src")) > statSync(binary("linux-x64")).mtimeMs) console.warn("[build] src/ changed after dist/ was built; run npx bun build.ts");

  // The linux-x64 binary is copied to a directory of its own and run from another empty one, with a
  // bare environment: nothing next to it (no node_modules, no package.json) and nothing of ours in the env.
  let home = "";
  let exe = "";
  let cwd = "";
  let env: Record<string, string> = {};
  before(() => {
    home = mkdtempSync(join(tmpdir(), "wgsite-binary-"));
    mkdirSync(join(home, "bin"));
    mkdirSync(join(home, "cwd"));
    exe = join(home, "bin", "wgsite");
    copyFileSync(binary("linux-x64"), exe);
    cwd = join(home, "cwd");
    env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: home, NO_COLOR: "1" };
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  test("linux-x64: --help from an empty directory, no node_modules", () => {
    const r = run(exe, ["--help"], { cwd, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: wgsite/);
    assert.match(r.stdout, /Exit codes: 0 success/);
  });

  test("linux-x64: --version is package.json's version, embedded", () => {
    const r = run(exe, ["--version"], { cwd, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `wgsite ${pkg.version}\n`);
  });

  test("linux-x64: plan --offline prints the reference configs", () => {
    const r = run(exe, ["plan", "--offline", "-c", SITE], { cwd, env });
    assert.equal(r.code, 0, r.stderr);
    assertReferencePlan(r.stdout);
  });

  test("linux-x64: usage errors exit 2", () => {
    const r = run(exe, ["--frobnicate"], { cwd, env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /frobnicate/);
  });

  const wizard = join(ROOT, "src", "ui", "run-wizard.tsx");
  if (existsSync(wizard)) {
    test("linux-x64: no TTY and no --non-interactive: exit 2, not a raw-mode crash", () => {
      const r = run(exe, ["-c", SITE], { cwd, env });
      assert.equal(r.code, 2, `exit ${r.code}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /raw mode/i);
      assert.doesNotMatch(r.stderr, /unexpected error/);
    });
  } else {
    test("linux-x64: no TTY and no --non-interactive: exit 2, not a raw-mode crash", { todo: "src/ui/run-wizard.tsx does not exist yet" }, () => {});
  }

  /** A working directory holding every file Bun would load at startup, each with a visible effect. */
  function hostileDir(): string {
    const dir = mkdtempSync(join(home, "hostile-"));
    writeFileSync(join(dir, "evil.ts"), 'console.log("EVIL PRELOAD RAN");\n');
    writeFileSync(join(dir, "bunfig.toml"), 'preload = ["./evil.ts"]\n[run]\nbun = true\n');
    writeFileSync(join(dir, ".env"), "WGSITE_PROBE=from-dotenv\nDEV=true\n");
    writeFileSync(join(dir, ".env.local"), "WGSITE_PROBE=from-dotenv-local\n");
    writeFileSync(join(dir, ".env.production"), "WGSITE_PROBE=from-dotenv-production\n");
    writeFileSync(join(dir, "package.json"), '{"name":"evil","version":"6.6.6","type":"module"}\n');
    writeFileSync(join(dir, "tsconfig.json"), '{"compilerOptions":{"paths":{"yaml":["./evil.ts"]}}}\n');
    return dir;
  }

  test("linux-x64: .env, bunfig.toml (preload), package.json, tsconfig.json in the working directory have no effect", () => {
    const dir = hostileDir();
    for (const args of [["--version"], ["plan", "--offline", "-c", SITE]]) {
      const r = run(exe, args, { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /EVIL|6\.6\.6/);
    }
    assert.equal(run(exe, ["--version"], { cwd: dir, env }).stdout, `wgsite ${pkg.version}\n`);
    assertReferencePlan(run(exe, ["plan", "--offline", "-c", SITE], { cwd: dir, env }).stdout);
  });

  const strace = which("strace");
  test("linux-x64: does not even open those files (strace)", { skip: strace ? false : "strace not installed" }, () => {
    const dir = hostileDir();
    const trace = join(home, "trace");
    const r = run(strace!, ["-f", "-e", "trace=%file", "-o", trace, exe, "plan", "--offline", "-c", SITE], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const touched = readFileSync(trace, "utf8").split("\n").filter((line) => /"(?:[^"]*\/)?(?:\.env[^"]*|bunfig\.toml|evil\.ts|package\.json|tsconfig\.json|node_modules[^"]*)"/.test(line));
    assert.deepEqual(touched, []);
  });

  test("the compile options really turn off .env and bunfig.toml (probe executable built with them)", async () => {
    const dir = hostileDir();
    const entry = join(home, "probe.ts");
    writeFileSync(entry, 'process.stdout.write(`probe ${process.env.WGSITE_PROBE ?? "unset"}\\n`);\n');
    const result = await Bun.build({ entrypoints: [entry], target: "bun", format: "esm", bytecode: true, compile: { outfile: join(home, "probe"), ...NO_CONFIG_FROM_CWD }, throw: false });
    assert.ok(result.success, result.logs.map(String).join("\n"));
    const r = run(join(home, "probe"), [], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "probe unset\n");
    rmSync(join(home, "probe"), { force: true });
  });

  const qemu = which("qemu-aarch64-static");
  const sysroot = "/usr/aarch64-linux-gnu";
  const qemuReason = !qemu ? "qemu-aarch64-static not installed (apt: qemu-user-static)" : !existsSync(join(sysroot, "lib", "ld-linux-aarch64.so.1")) ? `${sysroot} missing (apt: libc6-arm64-cross)` : false;
  test("linux-arm64: --version and plan --offline under qemu", { skip: qemuReason, timeout: 120_000 }, () => {
    const v = run(qemu!, ["-L", sysroot, binary("linux-arm64"), "--version"], { cwd, env, timeout: 120_000 });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout, `wgsite ${pkg.version}\n`);
    const p = run(qemu!, ["-L", sysroot, binary("linux-arm64"), "plan", "--offline", "-c", SITE], { cwd, env, timeout: 120_000 });
    assert.equal(p.code, 0, p.stderr);
    assertReferencePlan(p.stdout);
  });

  test("each file is an executable for its platform and CPU", () => {
    const head = (name: string) => {
      const fd = openSync(binary(name), "r");
      try {
        const b = Buffer.alloc(20);
        readSync(fd, b, 0, 20, 0);
        return b;
      } finally {
        closeSync(fd);
      }
    };
    const elfMachine = (b: Buffer) => (b.readUInt32BE(0) === 0x7f454c46 ? b.readUInt16LE(18) : -1);
    const machoCpu = (b: Buffer) => (b.readUInt32LE(0) === 0xfeedfacf ? b.readUInt32LE(4) : -1);
    assert.equal(elfMachine(head("linux-x64")), 62); // EM_X86_64
    assert.equal(elfMachine(head("linux-arm64")), 183); // EM_AARCH64
    assert.equal(machoCpu(head("darwin-x64")), 0x01000007); // CPU_TYPE_X86_64
    assert.equal(machoCpu(head("darwin-arm64")), 0x0100000c); // CPU_TYPE_ARM64
    for (const t of TARGETS) assert.ok((statSync(binary(t.name)).mode & 0o111) !== 0, `${t.name} is not executable`);
  });

  for (const name of ["darwin-x64", "darwin-arm64"]) {
    test(`${name}: the code signature covers the whole file (macOS kills it otherwise)`, () => {
      assert.deepEqual(machOSignatureProblems(readFileSync(binary(name))), []);
    });
  }

  test("SHA256SUMS lists every executable and verifies with sha256sum -c", { skip: which("sha256sum") ? false : "sha256sum not installed" }, () => {
    const sums = readFileSync(join(DIST, "SHA256SUMS"), "utf8");
    assert.deepEqual(
      sums.trimEnd().split("\n").map((line) => line.replace(/^[0-9a-f]{64} {2}/, "")),
      TARGETS.map((t) => `wgsite-${t.name}`),
    );
    const r = run("sha256sum", ["--check", "--strict", "SHA256SUMS"], { cwd: DIST });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, TARGETS.map((t) => `wgsite-${t.name}: OK\n`).join(""));
  });
}

// ssh2 inside an executable built with build.ts's settings (no dist/ needed): an AEAD cipher and a
// cipher + HMAC pair. (chacha20-poly1305 is not offered under Bun at all: ssh2 needs the runtime's
// crypto to list "chacha20", and Bun's does not; sshd's defaults include AES-GCM and AES-CTR.)
const sshReason =
  process.platform !== "linux" || process.arch !== "x64" ? "needs a linux-x64 machine" : !existsSync("/usr/sbin/sshd") ? "sshd not installed (apt: openssh-server)" : !which("ssh-keygen") ? "ssh-keygen not installed" : false;
test("ssh2 works in a compiled executable (aes256-gcm, aes128-ctr) against a local sshd", { skip: sshReason, timeout: 120_000 }, async () => {
  const dir = tempDir("wgsite-probe-");
  const key = makeKey(dir, "id_probe");
  const sshd = await startSshd({ authorizedKeys: [publicKey(key)] });
  try {
    const exe = join(dir, "ssh-probe");
    const result = await Bun.build(compileConfig({ entry: join(ROOT, "test", "build", "ssh-probe.ts"), outfile: exe, target: "bun-linux-x64" }));
    assert.ok(result.success, result.logs.map(String).join("\n"));
    const cwd = mkdtempSync(join(dir, "cwd-"));
    // (not os.userInfo(): under Bun its username is $USER, "unknown" when USER is unset)
    const user = spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim();
    for (const cipher of ["aes256-gcm@openssh.com", "aes128-ctr"]) {
      const r = run(exe, [String(sshd.port), user, key, cipher], { cwd, env: { PATH: "/usr/bin:/bin", HOME: dir } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `cipher ${cipher}\nexec probe-ok\n`);
    }
  } finally {
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Deno runs the CLI from source (no build needed).
const deno = join(ROOT, "node_modules", ".bin", "deno");
const denoReason = existsSync(deno) ? false : "deno not installed (npm devDependency deno)";
test("deno: --help, --version and plan --offline run the CLI from source", { skip: denoReason, timeout: 120_000 }, () => {
  const denoEnv = { ...process.env, NO_COLOR: "1" } as Record<string, string>;
  const help = run(deno, ["run", "-A", "src/cli.tsx", "--help"], { cwd: ROOT, env: denoEnv });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: wgsite/);
  const version = run(deno, ["run", "-A", "src/cli.tsx", "--version"], { cwd: ROOT, env: denoEnv });
  assert.equal(version.stdout, `wgsite ${pkg.version}\n`, version.stderr);
  const plan = run(deno, ["run", "-A", "src/cli.tsx", "plan", "--offline", "-c", "examples/alpha-beta.yaml"], { cwd: ROOT, env: denoEnv });
  assert.equal(plan.code, 0, plan.stderr);
  assertReferencePlan(plan.stdout);
});
