import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../src/cli.tsx", import.meta.url));
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Runs the CLI from source under the runtime running the tests (Bun or Deno). */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}) {
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  const argv = isDeno ? ["run", "-A", CLI, ...args] : [CLI, ...args];
  const result = spawnSync(process.execPath, argv, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    input: options.input ?? "",
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
