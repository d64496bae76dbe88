#!/usr/bin/env bun
// Cold start of the single-file executable against the CLI run from source:
//   npx bun build.ts linux-x64 && npx bun bench/binary.ts [runs]
// Prints the median wall time of each command over `runs` runs (default 20), each from an empty
// directory. (hyperfine gives finer numbers: hyperfine -N 'dist/wgsite-linux-x64 --version')
// bench/run.ts imports coldStarts() to measure a binary it built itself.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DIST, ROOT } from "../build.ts";

export type ColdStart = { name: string; medianMs: number; minMs: number; maxMs: number; runs: number };

const site = join(ROOT, "examples", "alpha-beta.yaml");
const cli = join(ROOT, "src", "cli.tsx");
const deno = join(ROOT, "node_modules", ".bin", "deno");

/** The commands measured: the binary (when it exists) and `bun src/cli.tsx` (and deno when asked). */
export function coldStartCases(exe: string, withDeno = true): [string, string, string[]][] {
  const cases: [string, string, string[]][] = [];
  if (existsSync(exe)) {
    cases.push(["binary --version", exe, ["--version"]]);
    cases.push(["binary plan --offline", exe, ["plan", "--offline", "-c", site]]);
  }
  cases.push(["bun src/cli.tsx --version", process.execPath, [cli, "--version"]]);
  cases.push(["bun src/cli.tsx plan --offline", process.execPath, [cli, "plan", "--offline", "-c", site]]);
  if (withDeno && existsSync(deno)) cases.push(["deno run src/cli.tsx --version", deno, ["run", "-A", cli, "--version"]]);
  return cases;
}

/** Median wall time of each case over `runs` runs after two warm-up runs, from an empty directory. */
export function coldStarts(exe: string, runs = 20, options: { withDeno?: boolean } = {}): ColdStart[] {
  const cwd = mkdtempSync(join(tmpdir(), "wgsite-bench-"));
  const out: ColdStart[] = [];
  try {
    for (const [name, file, args] of coldStartCases(exe, options.withDeno ?? true)) {
      const times: number[] = [];
      for (let i = 0; i < runs + 2; i++) {
        const started = performance.now();
        const r = spawnSync(file, args, { cwd: name.startsWith("deno") ? ROOT : cwd, stdio: ["ignore", "ignore", "pipe"] });
        if (r.status !== 0) throw new Error(`${name}: exit ${r.status}: ${r.stderr}`);
        if (i >= 2) times.push(performance.now() - started); // two warm-up runs for the page cache
      }
      times.sort((a, b) => a - b);
      out.push({ name, medianMs: times[Math.floor(times.length / 2)]!, minMs: times[0]!, maxMs: times.at(-1)!, runs });
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.main) {
  const runs = Number(process.argv[2] ?? 20);
  const exe = join(DIST, "wgsite-linux-x64");
  if (!existsSync(exe)) process.stderr.write(`${exe} not built (npx bun build.ts linux-x64); measuring the source only\n`);
  for (const c of coldStarts(exe, runs)) {
    process.stdout.write(`${c.name.padEnd(34)} median ${c.medianMs.toFixed(1).padStart(6)} ms  (min ${c.minMs.toFixed(1)}, max ${c.maxMs.toFixed(1)}, ${c.runs} runs)\n`);
  }
  if (existsSync(exe)) process.stdout.write(`binary size: ${(statSync(exe).size / 2 ** 20).toFixed(1)} MiB\n`);
}
