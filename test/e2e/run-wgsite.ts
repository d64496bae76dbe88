import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Lab } from "../lab/lab.ts";

const CLI = fileURLToPath(new URL("../../src/cli.tsx", import.meta.url));

/** The command that runs wgsite: the compiled binary when WGSITE_BIN names one (CI), else the source. */
export function wgsiteArgv(args: readonly string[]): string[] {
  const bin = process.env.WGSITE_BIN;
  return bin ? [bin, ...args] : [process.execPath, CLI, ...args];
}

export type RunResult = { code: number; stdout: string; stderr: string };

/** Runs wgsite as the operator does: inside the operator namespace, against the lab's SSH config. */
export async function wgsite(lab: Lab, args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  const sshArgs = args.includes("--ssh-config") ? [] : ["--ssh-config", lab.sshConfigFile];
  return lab.inNs(lab.operatorNs, wgsiteArgv([...args, ...sshArgs]), {
    env: { NO_COLOR: "1", WGSITE_SUDO_PASSWORD_BETA: lab.gateways.beta.sudoPassword ?? "", ...env },
    timeoutMs: 240_000,
  });
}

/** A wgsite run left going (status --watch) in the operator namespace: its output so far, its exit code once it ended. */
export type Running = { readonly out: () => string; readonly code: () => number | null | undefined; readonly exited: Promise<void>; readonly kill: () => void };

export function startWgsite(lab: Lab, args: readonly string[]): Running {
  const child = spawn("ip", ["netns", "exec", lab.operatorNs, ...wgsiteArgv([...args, "--ssh-config", lab.sshConfigFile])], {
    env: { ...process.env, NO_COLOR: "1", WGSITE_SUDO_PASSWORD_BETA: lab.gateways.beta.sudoPassword ?? "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  let code: number | null | undefined;
  const exited = new Promise<void>((resolve) => child.on("close", (c) => resolve(void (code = c))));
  return { out: () => out, code: () => code, exited, kill: () => child.kill("SIGKILL") };
}

/** The lab's site file (the reference design), with extra YAML appended (e.g. a firewall section). */
export function labSite(lab: Lab, extra = ""): string {
  return `${lab.siteYaml()}${extra}`;
}

/** Polls until fn resolves true or the deadline passes. */
export async function eventually(fn: () => Promise<boolean>, timeoutMs: number, stepMs = 500): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return fn();
}
