/**
 * One measured run on a lab: wgsite (apply or rerun) or a baseline script, timed from the operator
 * namespace, with its output lines timestamped for a breakdown of where the time goes.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Lab, Site } from "../test/lab/lab.ts";
import { expertScript, personScript } from "./baseline.ts";

export type Timed = { code: number; ms: number; stdout: string; stderr: string; lines: { atMs: number; line: string }[] };

/** Runs argv, timing it from spawn to exit; stderr lines are stamped with their arrival time. */
export function timed(argv: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs: number }): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let partial = "";
    const lines: Timed["lines"] = [];
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      const at = performance.now() - started;
      stderr += d;
      partial += d;
      let nl = partial.indexOf("\n");
      while (nl >= 0) {
        lines.push({ atMs: at, line: partial.slice(0, nl) });
        partial = partial.slice(nl + 1);
        nl = partial.indexOf("\n");
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (partial) lines.push({ atMs: ms, line: partial });
      resolve({ code: code ?? 128, ms, stdout, stderr: signal ? `${stderr}[killed by ${signal}]` : stderr, lines });
    });
    child.stdin!.on("error", () => {});
    child.stdin!.end(opts.input ?? "");
  });
}

export type Transport = { connections: number; roundTrips: number; bytesIn: number; bytesOut: number };
export type WgsiteRun = Timed & { ok: boolean; changed: boolean[]; transport: Transport[]; steps: { site: string; id: string; status: string; ms: number }[] };

/** `wgsite --non-interactive -c site.yaml --ssh-config F --json` in the operator namespace. */
export async function runWgsite(lab: Lab, wgsite: string[], siteFile: string): Promise<WgsiteRun> {
  const argv = ["ip", "netns", "exec", lab.operatorNs, ...wgsite, "--non-interactive", "-c", siteFile, "--ssh-config", lab.sshConfigFile, "--json"];
  const r = await timed(argv, { env: { NO_COLOR: "1", WGSITE_SUDO_PASSWORD_BETA: lab.gateways.beta.sudoPassword ?? "" }, timeoutMs: 240_000 });
  type Report = { ok: boolean; gateways: { site: string; changed: boolean; steps: { id: string; status: string; ms: number }[]; transport?: Transport }[] };
  let report: Report | undefined;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {}
  if (r.code !== 0 || !report) throw new Error(`wgsite exited ${r.code}:\n${r.stderr.split("\n").slice(-25).join("\n")}`);
  return {
    ...r,
    ok: report.ok,
    changed: report.gateways.map((g) => g.changed),
    transport: report.gateways.map((g) => g.transport ?? { connections: NaN, roundTrips: NaN, bytesIn: NaN, bytesOut: NaN }),
    steps: report.gateways.flatMap((g) => g.steps.map((s) => ({ site: g.site, ...s }))),
  };
}

export type BaselineRun = Timed & { connections: number; steps: { name: string; ms: number }[] };

/** Runs the person or expert baseline script in the operator namespace. */
export async function runBaseline(lab: Lab, kind: "person" | "expert" | "expert-fw"): Promise<BaselineRun> {
  const work = mkdtempSync(join(lab.dir, `bench-${kind}-`));
  try {
    let script: string;
    let connections: number;
    if (kind === "person") ({ script, connections } = personScript(lab));
    else {
      script = expertScript(lab, { firewall: kind === "expert-fw" });
      connections = 2;
    }
    const file = join(work, "baseline.sh");
    writeFileSync(file, script);
    const r = await timed(["ip", "netns", "exec", lab.operatorNs, "bash", file], {
      env: { PW: lab.gateways.beta.sudoPassword ?? "", TMPD: work },
      timeoutMs: 240_000,
    });
    if (r.code !== 0) throw new Error(`${kind} baseline exited ${r.code}:\n${r.stderr.split("\n").slice(-25).join("\n")}`);
    // @@step NAME NS: the time from each step's stamp to the next one's.
    const stamps = r.lines.map((l) => /^@@step (\S+) (\d+)$/.exec(l.line)).filter((m): m is RegExpExecArray => !!m);
    const steps: { name: string; ms: number }[] = [];
    for (let i = 0; i + 1 < stamps.length; i++) steps.push({ name: stamps[i]![1]!, ms: (Number(stamps[i + 1]![2]) - Number(stamps[i]![2])) / 1e6 });
    return { ...r, connections, steps };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The honesty check: LAN host to LAN host across the tunnel, both ways (a few tries each). */
export async function lanPingBothWays(lab: Lab): Promise<boolean> {
  const ping = async (from: Site, to: Site) => {
    for (let i = 0; i < 10; i++) {
      if ((await lab.inNs(lab.lanHosts[from].ns, ["ping", "-c1", "-W1", lab.lanHosts[to].ip])).code === 0) return true;
    }
    return false;
  };
  return (await ping("alpha", "beta")) && (await ping("beta", "alpha"));
}

/** Site file for wgsite in the lab directory. */
export function writeSiteFile(lab: Lab): string {
  const file = join(lab.dir, "bench-site.yaml");
  writeFileSync(file, lab.siteYaml());
  return file;
}
