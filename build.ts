#!/usr/bin/env bun
// Single-file executables of the CLI for jump hosts: `bun build.ts` (or `npm run build`) writes
// dist/wgsite-{linux-x64,linux-arm64,darwin-x64,darwin-arm64} and dist/SHA256SUMS.
// `bun build.ts linux-x64 ...` builds only the named targets (SHA256SUMS then lists only those).
//
// Each executable is the Bun runtime with the bundled, minified CLI and its bytecode appended. For a
// target other than the machine's own, the runtime comes from the npm registry's @oven/bun-* package
// of exactly the running Bun's version, fetched with `npm pack` (npm's configured registry, a mirror
// included, and npm's integrity check) and cached in node_modules/.cache/wgsite-bun-runtimes (or
// $WGSITE_BUN_RUNTIME_CACHE). (Left to itself, Bun 1.4.5 would download the same package from
// registry.npmjs.org, hard-coded, whatever registry is configured.)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BunPlugin } from "bun";
import pkg from "./package.json" with { type: "json" };

export const ROOT = fileURLToPath(new URL(".", import.meta.url));
export const DIST = join(ROOT, "dist");
const ENTRY = join(ROOT, "src", "cli.tsx");
const DEVTOOLS_STUB = join(ROOT, "stubs", "react-devtools-core.ts");

export type Target = {
  /** dist/wgsite-<name> */
  readonly name: string;
  readonly bunTarget: Bun.Build.CompileTarget;
  /** the npm package holding bin/bun for this target */
  readonly npmPackage: string;
  readonly platform: NodeJS.Platform;
  readonly arch: "x64" | "arm64";
  readonly libc?: "musl";
};

export const TARGETS: readonly Target[] = [
  { name: "linux-x64", bunTarget: "bun-linux-x64", npmPackage: "@oven/bun-linux-x64", platform: "linux", arch: "x64" },
  { name: "linux-arm64", bunTarget: "bun-linux-arm64", npmPackage: "@oven/bun-linux-aarch64", platform: "linux", arch: "arm64" },
  { name: "darwin-x64", bunTarget: "bun-darwin-x64", npmPackage: "@oven/bun-darwin-x64", platform: "darwin", arch: "x64" },
  { name: "darwin-arm64", bunTarget: "bun-darwin-arm64", npmPackage: "@oven/bun-darwin-aarch64", platform: "darwin", arch: "arm64" },
];

/** Built only when named (`bun build.ts linux-x64-musl`): for Alpine and other musl systems, which
 * also need libstdc++ (apk add libstdc++). Not tested here: this machine has no musl runtime. */
export const EXTRA_TARGETS: readonly Target[] = [
  { name: "linux-x64-musl", bunTarget: "bun-linux-x64-musl", npmPackage: "@oven/bun-linux-x64-musl", platform: "linux", arch: "x64", libc: "musl" },
  { name: "linux-arm64-musl", bunTarget: "bun-linux-arm64-musl", npmPackage: "@oven/bun-linux-aarch64-musl", platform: "linux", arch: "arm64", libc: "musl" },
];

/** Ink imports react-devtools-core (only used with DEV=true). tsconfig `paths` maps it to the stub
 * already; this plugin makes the build independent of that. */
const devtoolsStub: BunPlugin = {
  name: "react-devtools-core stub",
  setup(build) {
    build.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: DEVTOOLS_STUB }));
  },
};

/** ssh2 tries `require("./crypto/build/Release/sshcrypto.node")` inside try/catch. Bun cannot load it
 * (it is a Node-ABI addon, built for the build machine), so keep it out: ssh2 uses its JS fallback. */
const noSshcryptoAddon: BunPlugin = {
  name: "ssh2 sshcrypto.node left out",
  setup(build) {
    build.onResolve({ filter: /sshcrypto\.node$/ }, (args) => ({ path: args.path, external: true }));
  },
};

function isMusl(): boolean {
  if (process.platform !== "linux") return false;
  const report = (process as { report?: { getReport?: () => { header?: { glibcVersionRuntime?: string } } } }).report;
  return report?.getReport?.().header?.glibcVersionRuntime === undefined;
}

/** The target the running Bun itself is; Bun compiles that one with its own binary. */
function isHost(target: Target): boolean {
  return target.platform === process.platform && target.arch === process.arch && (target.libc === "musl") === isMusl();
}

export function runtimeCacheDir(): string {
  return process.env.WGSITE_BUN_RUNTIME_CACHE ?? join(ROOT, "node_modules", ".cache", "wgsite-bun-runtimes");
}

/** Path of the Bun runtime for `target`, version Bun.version, fetched from the npm registry once. */
export async function runtimeFor(target: Target, log: (line: string) => void = () => {}): Promise<string> {
  const dir = join(runtimeCacheDir(), `${target.npmPackage.replace("/", "+")}@${Bun.version}`);
  const exe = join(dir, "bun");
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const spec = `${target.npmPackage}@${Bun.version}`;
  log(`fetching ${spec} from the npm registry`);
  const scratch = mkdtempSync(join(tmpdir(), "wgsite-runtime-"));
  try {
    // npm pack checks the tarball against the registry's integrity hash.
    const npm = spawnSync("npm", ["pack", spec, "--pack-destination", scratch, "--json", "--silent"], { encoding: "utf8" });
    if (npm.status !== 0) throw new Error(`npm pack ${spec} failed (${npm.error?.message ?? `exit ${npm.status}`}): ${npm.stderr.trim()}`);
    const [packed] = JSON.parse(npm.stdout) as { filename: string; version: string }[];
    if (packed?.version !== Bun.version) throw new Error(`npm pack ${spec} gave version ${packed?.version}`);
    const tgz = join(scratch, readdirSync(scratch).find((f) => f.endsWith(".tgz")) ?? packed.filename);
    const files = await new Bun.Archive(await Bun.file(tgz).bytes()).files();
    const bin = files.get("package/bin/bun");
    if (!bin) throw new Error(`${spec} has no package/bin/bun (entries: ${[...files.keys()].join(", ")})`);
    const partial = `${exe}.partial`;
    writeFileSync(partial, await bin.bytes());
    chmodSync(partial, 0o755);
    renameSync(partial, exe);
    return exe;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// --- Mach-O code signature ------------------------------------------------------------------
// macOS refuses to start (SIGKILL) an executable whose code signature does not match its bytes;
// on Apple Silicon every executable must be signed, ad hoc at least. Bun re-signs darwin-arm64
// output ad hoc, but Bun 1.4.5 cross-compiling darwin-x64 keeps the runtime's original signature,
// which no longer matches once the app is injected (a known upstream bug). So after compiling,
// a darwin executable whose signature does not verify gets a fresh ad-hoc, "linker-signed"
// signature: the same format the linker and Bun's arm64 path write, and that `codesign --sign -`
// can replace. Only the signature and the two sizes that describe it are rewritten; no Mac, no
// certificate needed.

const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CS_PAGE_SHIFT = 12;
const CS_HASHTYPE_SHA256 = 2;
const CS_ADHOC = 0x2;
const CS_LINKER_SIGNED = 0x20000;
const CS_EXECSEG_MAIN_BINARY = 0x1;

type MachO = {
  readonly view: DataView;
  readonly sigCmd: number;
  readonly dataoff: number;
  readonly datasize: number;
  readonly linkedit: number;
  readonly textFileoff: bigint;
  readonly textFilesize: bigint;
};

function parseMachO(bytes: Uint8Array): MachO | string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 32 || view.getUint32(0, true) !== 0xfeedfacf) return "not a 64-bit little-endian Mach-O";
  const ncmds = view.getUint32(16, true);
  let at = 32;
  let sigCmd = -1;
  let linkedit = -1;
  let textFileoff = 0n;
  let textFilesize = 0n;
  for (let i = 0; i < ncmds; i++) {
    const cmd = view.getUint32(at, true);
    if (cmd === LC_CODE_SIGNATURE) sigCmd = at;
    if (cmd === LC_SEGMENT_64) {
      const name = new TextDecoder().decode(bytes.subarray(at + 8, at + 24)).replace(/\0+$/, "");
      if (name === "__LINKEDIT") linkedit = at;
      if (name === "__TEXT") {
        textFileoff = view.getBigUint64(at + 40, true);
        textFilesize = view.getBigUint64(at + 48, true);
      }
    }
    at += view.getUint32(at + 4, true);
  }
  if (sigCmd < 0) return "no LC_CODE_SIGNATURE";
  if (linkedit < 0) return "no __LINKEDIT segment";
  return { view, sigCmd, dataoff: view.getUint32(sigCmd + 8, true), datasize: view.getUint32(sigCmd + 12, true), linkedit, textFileoff, textFilesize };
}

/** What is wrong with the code signature of a Mach-O executable (empty: the kernel will accept it).
 * Checks what the kernel checks at exec and page-in: every page up to the signature is hashed in
 * the CodeDirectory, and the signature is the end of the file. */
export function machOSignatureProblems(bytes: Uint8Array): string[] {
  const m = parseMachO(bytes);
  if (typeof m === "string") return [m];
  const { view, dataoff, datasize } = m;
  const problems: string[] = [];
  if (dataoff + datasize !== bytes.length) problems.push(`signature ends at ${dataoff + datasize}, file at ${bytes.length}`);
  if (view.getUint32(dataoff, false) !== CSMAGIC_EMBEDDED_SIGNATURE) return [...problems, "no embedded signature at dataoff"];
  const count = view.getUint32(dataoff + 8, false);
  let cd = -1;
  for (let i = 0; i < count; i++) {
    const type = view.getUint32(dataoff + 12 + 8 * i, false);
    const offset = view.getUint32(dataoff + 16 + 8 * i, false);
    if (type === 0 && view.getUint32(dataoff + offset, false) === CSMAGIC_CODEDIRECTORY) cd = dataoff + offset;
  }
  if (cd < 0) return [...problems, "no CodeDirectory"];
  const hashOffset = view.getUint32(cd + 16, false);
  const nCodeSlots = view.getUint32(cd + 28, false);
  const codeLimit = view.getUint32(cd + 32, false);
  const hashSize = view.getUint8(cd + 36);
  const hashType = view.getUint8(cd + 37);
  const pageSize = 2 ** view.getUint8(cd + 39);
  if (hashType !== CS_HASHTYPE_SHA256 || hashSize !== 32) return [...problems, `hash type ${hashType} size ${hashSize}, expected SHA-256`];
  if (codeLimit !== dataoff) problems.push(`CodeDirectory covers ${codeLimit} bytes, the signature starts at ${dataoff}`);
  if (nCodeSlots !== Math.ceil(codeLimit / pageSize)) problems.push(`${nCodeSlots} page hashes for ${codeLimit} bytes`);
  let bad = 0;
  for (let page = 0; page < nCodeSlots; page++) {
    const start = page * pageSize;
    const digest = createHash("sha256").update(bytes.subarray(start, Math.min(start + pageSize, codeLimit))).digest();
    const stored = bytes.subarray(cd + hashOffset + page * 32, cd + hashOffset + page * 32 + 32);
    if (!digest.equals(stored)) bad++;
  }
  if (bad > 0) problems.push(`${bad} of ${nCodeSlots} page hashes do not match`);
  return problems;
}

/** The executable with a fresh ad-hoc signature in place of its LC_CODE_SIGNATURE data. */
export function adhocSignMachO(bytes: Uint8Array, identifier = "a.out"): Uint8Array {
  const m = parseMachO(bytes);
  if (typeof m === "string") throw new Error(`cannot sign: ${m}`);
  const { dataoff: codeLimit, sigCmd, linkedit } = m;
  const pageSize = 2 ** CS_PAGE_SHIFT;
  const nCodeSlots = Math.ceil(codeLimit / pageSize);
  const ident = new TextEncoder().encode(`${identifier}\0`);
  const headerSize = 88; // CodeDirectory version 0x20400, up to execSegFlags
  const hashOffset = headerSize + ident.length;
  const cdLength = hashOffset + nCodeSlots * 32;
  const sigLength = 12 + 8 + cdLength;
  const out = new Uint8Array(codeLimit + sigLength);
  out.set(bytes.subarray(0, codeLimit));
  const view = new DataView(out.buffer);
  // Load commands first: they are in page 0, which the signature hashes.
  view.setUint32(sigCmd + 12, sigLength, true);
  const linkeditFileoff = Number(view.getBigUint64(linkedit + 40, true));
  const linkeditFilesize = out.length - linkeditFileoff;
  view.setBigUint64(linkedit + 48, BigInt(linkeditFilesize), true);
  const vmsize = Number(view.getBigUint64(linkedit + 32, true));
  if (vmsize < linkeditFilesize) view.setBigUint64(linkedit + 32, BigInt(Math.ceil(linkeditFilesize / 0x4000) * 0x4000), true);
  // SuperBlob with the one CodeDirectory (big-endian, as all code-signing structures).
  let at = codeLimit;
  view.setUint32(at, CSMAGIC_EMBEDDED_SIGNATURE);
  view.setUint32(at + 4, sigLength);
  view.setUint32(at + 8, 1);
  view.setUint32(at + 12, 0); // CSSLOT_CODEDIRECTORY
  view.setUint32(at + 16, 20);
  at += 20;
  view.setUint32(at, CSMAGIC_CODEDIRECTORY);
  view.setUint32(at + 4, cdLength);
  view.setUint32(at + 8, 0x20400);
  view.setUint32(at + 12, CS_ADHOC | CS_LINKER_SIGNED);
  view.setUint32(at + 16, hashOffset);
  view.setUint32(at + 20, headerSize); // identOffset
  view.setUint32(at + 24, 0); // nSpecialSlots
  view.setUint32(at + 28, nCodeSlots);
  view.setUint32(at + 32, codeLimit);
  view.setUint8(at + 36, 32); // hashSize
  view.setUint8(at + 37, CS_HASHTYPE_SHA256);
  view.setUint8(at + 38, 0); // platform
  view.setUint8(at + 39, CS_PAGE_SHIFT);
  // spare2, scatterOffset, teamOffset, spare3, codeLimit64 stay 0
  view.setBigUint64(at + 64, m.textFileoff);
  view.setBigUint64(at + 72, m.textFilesize);
  view.setBigUint64(at + 80, BigInt(CS_EXECSEG_MAIN_BINARY));
  out.set(ident, at + headerSize);
  for (let page = 0; page < nCodeSlots; page++) {
    const start = page * pageSize;
    out.set(createHash("sha256").update(out.subarray(start, Math.min(start + pageSize, codeLimit))).digest(), at + hashOffset + page * 32);
  }
  return out;
}

/** The executable runs in a jump host's arbitrary working directory: it reads no .env, bunfig.toml
 * (whose `preload` would run code), tsconfig.json or package.json from there. */
export const NO_CONFIG_FROM_CWD = {
  autoloadDotenv: false,
  autoloadBunfig: false,
  autoloadTsconfig: false,
  autoloadPackageJson: false,
} as const;

export type BuildOptions = {
  readonly targets?: readonly Target[];
  readonly outDir?: string;
  /** extra plugins, run before the build's own */
  readonly plugins?: readonly BunPlugin[];
  readonly log?: (line: string) => void;
};

export type Built = { readonly target: Target; readonly file: string; readonly bytes: number; readonly sha256: string; readonly ms: number };

/** The Bun.build settings of every executable (exported so tests can compile probes the same way). */
export function compileConfig(o: {
  readonly entry: string;
  readonly outfile: string;
  readonly target: Bun.Build.CompileTarget;
  /** the Bun runtime to embed; omitted: the running Bun (the host target only) */
  readonly executablePath?: string;
  /** extra plugins, run before the build's own */
  readonly plugins?: readonly BunPlugin[];
}): Bun.BuildConfig & { throw: false } {
  return {
    entrypoints: [o.entry],
    target: "bun",
    // ESM, because bytecode of ESM needs compile, and Ink uses top-level await.
    format: "esm",
    minify: true,
    bytecode: true,
    // zstd-compressed inside the executable; stack traces of an unexpected error point into src/.
    sourcemap: "linked",
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    // ssh2's optional native CPU probe; Bun could not load it anyway and ssh2 works without it.
    external: ["cpu-features"],
    plugins: [...(o.plugins ?? []), devtoolsStub, noSshcryptoAddon],
    compile: {
      target: o.target,
      outfile: o.outfile,
      ...(o.executablePath ? { executablePath: o.executablePath } : {}),
      ...NO_CONFIG_FROM_CWD,
    },
    throw: false,
  };
}

function describe(message: BuildMessage | ResolveMessage): string {
  const at = message.position ? ` (${message.position.file.replace(ROOT, "")}:${message.position.line})` : "";
  return `${message.level}: ${message.message}${at}`;
}

export async function build(options: BuildOptions = {}): Promise<Built[]> {
  const targets = options.targets ?? TARGETS;
  const outDir = options.outDir ?? DIST;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const pinned = (pkg.devDependencies as Record<string, string>).bun;
  if (pinned !== Bun.version) log(`warning: building with Bun ${Bun.version}, package.json pins ${pinned}; use npx bun build.ts`);

  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(outDir)) if (f.startsWith("wgsite-") || f === "SHA256SUMS") rmSync(join(outDir, f), { force: true });

  // Fetch foreign runtimes first, so a registry problem fails before any compiling.
  const runtimes = new Map<Target, string | undefined>();
  await Promise.all(targets.map(async (t) => runtimes.set(t, isHost(t) ? undefined : await runtimeFor(t, log))));

  const built: Built[] = [];
  for (const target of targets) {
    const file = join(outDir, `wgsite-${target.name}`);
    const started = performance.now();
    const result = await Bun.build(
      compileConfig({ entry: ENTRY, outfile: file, target: target.bunTarget, executablePath: runtimes.get(target), plugins: options.plugins }),
    );
    if (!result.success) {
      throw new Error(`build of ${target.name} failed:\n${result.logs.map(describe).join("\n")}`);
    }
    for (const message of result.logs) log(describe(message));
    // The sourcemap is embedded in the executable; Bun also writes it next to it, which is not shipped.
    rmSync(`${file}.map`, { force: true });
    let bytes: Uint8Array = await Bun.file(file).bytes();
    if (target.platform === "darwin") {
      const problems = machOSignatureProblems(bytes);
      if (problems.length > 0) {
        log(`${file}: code signature invalid (${problems.join("; ")}); signing it ad hoc`);
        bytes = adhocSignMachO(bytes);
        writeFileSync(file, bytes);
        const left = machOSignatureProblems(bytes);
        if (left.length > 0) throw new Error(`${file}: still invalid after signing: ${left.join("; ")}`);
      }
    }
    const entry = { target, file, bytes: statSync(file).size, sha256: createHash("sha256").update(bytes).digest("hex"), ms: performance.now() - started };
    built.push(entry);
    log(`${file}  ${(entry.bytes / 2 ** 20).toFixed(1)} MiB  ${(entry.ms / 1000).toFixed(1)} s`);
  }

  writeFileSync(join(outDir, "SHA256SUMS"), built.map((b) => `${b.sha256}  wgsite-${b.target.name}\n`).join(""));

  // The executable this machine can run must answer --version with package.json's version,
  // from a directory without node_modules (nothing may be read from the build tree).
  const host = built.find((b) => isHost(b.target));
  if (host) {
    const empty = mkdtempSync(join(tmpdir(), "wgsite-smoke-"));
    try {
      const r = spawnSync(host.file, ["--version"], { cwd: empty, encoding: "utf8", timeout: 30_000 });
      if (r.stdout !== `wgsite ${pkg.version}\n`) {
        throw new Error(`${host.file} --version: exit ${r.status}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`);
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }
  return built;
}

if (import.meta.main) {
  const names = process.argv.slice(2);
  const known = [...TARGETS, ...EXTRA_TARGETS];
  const unknown = names.filter((n) => !known.some((t) => t.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`build.ts: unknown target ${unknown.join(", ")}; targets: ${known.map((t) => t.name).join(", ")}\n`);
    process.exit(2);
  }
  const started = performance.now();
  try {
    await build({ targets: names.length > 0 ? known.filter((t) => names.includes(t.name)) : TARGETS });
  } catch (error) {
    process.stderr.write(`build.ts: ${(error as Error).message}\n`);
    process.exit(1);
  }
  process.stderr.write(`done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
