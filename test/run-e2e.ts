/**
 * Runs the lab suites (test/e2e, test/lab) in two `bun test` processes side by side, so `npm test`
 * stays within the CI budget on a 2-core machine: the labs spend most of their time waiting on boots,
 * handshakes and timers, not on the CPU. Each process's output is printed whole when it ends (two
 * interleaved streams would be unreadable); the exit code is the first failing one's.
 *
 *   bun test/run-e2e.ts [--groups N] [files...]
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

/** Rough seconds per suite on this machine, to balance the groups; an unknown suite counts 60. */
const COST: Record<string, number> = {
  "test/e2e/reresolve.e2e.test.ts": 210,
  "test/e2e/edits.e2e.test.ts": 150,
  "test/e2e/safety.e2e.test.ts": 130,
  "test/e2e/sites.e2e.test.ts": 150,
  "test/e2e/rotate.e2e.test.ts": 110,
  "test/e2e/data-plane.e2e.test.ts": 110,
  "test/e2e/matrix.e2e.test.ts": 100,
  "test/e2e/status.e2e.test.ts": 70,
  "test/e2e/wizard.e2e.test.ts": 70,
  "test/e2e/field.e2e.test.ts": 60,
  "test/e2e/apply.e2e.test.ts": 40,
};

const args = process.argv.slice(2);
const gi = args.indexOf("--groups");
const groupCount = gi >= 0 ? Math.max(1, Number(args[gi + 1])) : 2;
const named = gi < 0 ? args : args.filter((_, i) => i !== gi && i !== gi + 1);
const found = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".test.ts")).map((f) => join(dir, f));
const files = named.length > 0 ? named : [...found("test/e2e"), ...found("test/lab")];

// Longest first, each to the group with the least so far.
const groups: { files: string[]; cost: number }[] = Array.from({ length: groupCount }, () => ({ files: [], cost: 0 }));
for (const f of [...files].sort((a, b) => (COST[b] ?? 60) - (COST[a] ?? 60))) {
  const g = groups.reduce((min, x) => (x.cost < min.cost ? x : min));
  g.files.push(f);
  g.cost += COST[f] ?? 60;
}

const started = performance.now();
const results = await Promise.all(
  groups
    .filter((g) => g.files.length > 0)
    .map(
      (g, i) =>
        new Promise<{ code: number; out: string; sec: number; files: string[] }>((resolve) => {
          const child = spawn(process.execPath, ["test", "--timeout", "900000", ...g.files], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
          let out = "";
          child.stdout.on("data", (d) => (out += d));
          child.stderr.on("data", (d) => (out += d));
          child.on("close", (code) => {
            const sec = (performance.now() - started) / 1000;
            process.stdout.write(`\n===== lab suites, group ${i + 1} (${g.files.join(", ")}): exit ${code} after ${sec.toFixed(0)} s =====\n${out}`);
            resolve({ code: code ?? 1, out, sec, files: g.files });
          });
        }),
    ),
);
const failed = results.find((r) => r.code !== 0);
process.stdout.write(`\nlab suites: ${results.map((r, i) => `group ${i + 1} ${r.code === 0 ? "passed" : "FAILED"} in ${r.sec.toFixed(0)} s`).join(", ")}\n`);
process.exit(failed ? failed.code : 0);
