#!/usr/bin/env bun
/**
 * `npm run bench`: wgsite against the reference procedure done by hand, on the end-to-end lab.
 *
 *   npm run bench [-- --labs N] [--pane-seconds S] [--cold-runs R] [--source] [--no-write] [--json FILE]
 *   npm run bench -- --only expert[,person,...] [--labs N]   # just those contenders; prints, writes nothing
 *   npm run bench -- --only wgsite --os trixie                # on other gateway OSes (test/lab/lab.ts: trixie, bookworm-openrc, bookworm,trixie)
 *
 * Builds the linux-x64 executable from this tree into a scratch directory (dist/ is left alone),
 * then, on fresh labs (interleaved, N rounds, default 5):
 *   - wgsite first apply of both gateways (the reference site file), then two reruns;
 *   - wgsite first apply with `firewall: {restrictPort: false}` (the same work as the baselines:
 *     the reference design asks for the port restriction, the baselines do not make it);
 *   - the "person" baseline: one ssh per command, one at a time;
 *   - the "expert" floor: both gateways in parallel, one ssh session and two round trips each;
 * every run checked with a LAN host to LAN host ping both ways. Then the cold start of the binary
 * (bench/binary.ts) and the live pane's CPU and bytes per tick on the last wgsite lab.
 * Prints a table and writes it, with the samples and breakdowns, to bench/RESULTS.md.
 * Labs are torn down in `finally`, and by the lab's exit/signal handlers on an interrupt.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { build, ROOT, TARGETS } from "../build.ts";
import { createLab, labSkipReason, type Lab } from "../test/lab/lab.ts";
import { coldStarts, type ColdStart } from "./binary.ts";
import { lanPingBothWays, runBaseline, runWgsite, timed, writeSiteFile, type BaselineRun, type WgsiteRun } from "./lab-runs.ts";
import { measurePane, type PaneResult } from "./pane.ts";

const { values: args } = parseArgs({
  options: {
    labs: { type: "string", default: "5" },
    "pane-seconds": { type: "string", default: "60" },
    "cold-runs": { type: "string", default: "30" },
    source: { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
    json: { type: "string" },
    only: { type: "string" },
    /** The lab gateways' OS (createLab({ os })); default WGSITE_LAB_OS, else Debian 12 with systemd. */
    os: { type: "string" },
  },
});
const ROUNDS = Math.max(1, Math.min(10, Number(args.labs)));
const CONTENDERS = ["wgsite", "person", "expert", "wgsite-nofw", "expert-fw"] as const;
/** --only: a few contenders measured alone (e.g. the expert floor while working on it); nothing else runs. */
const ONLY = args.only?.split(",").map((c) => c.trim()).filter(Boolean);
for (const c of ONLY ?? []) if (!(CONTENDERS as readonly string[]).includes(c)) throw new Error(`--only: unknown contender ${c} (known: ${CONTENDERS.join(", ")})`);
const PANE_SECONDS = Math.max(10, Math.min(120, Number(args["pane-seconds"])));
const COLD_RUNS = Math.max(5, Math.min(100, Number(args["cold-runs"])));
const RESULTS = join(ROOT, "bench", "RESULTS.md");
const BUDGET_MS = 9 * 60_000;
/** Issue 14's goals: a first apply within 1.3× the expert floor, a rerun within 0.4 s. */
const FLOOR_FACTOR = 1.3;
const RERUN_GOAL_MS = 400;
let roundsDone = 0;
const benchStarted = performance.now();

const log = (s: string) => process.stderr.write(`bench: ${s}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sec = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "n/a");
const sh = (cmd: string, argv: string[]) => {
  try {
    return execFileSync(cmd, argv, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
};

// --- machine and commit ------------------------------------------------------------------------

function machine() {
  const cpu = cpus()[0]?.model ?? (/^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown");
  return { nproc: sh("nproc", []) || String(cpus().length), cpu, kernel: sh("uname", ["-r"]), bun: Bun.version };
}

function commit() {
  const head = sh("git", ["rev-parse", "--short", "HEAD"]) || "unknown";
  return sh("git", ["status", "--porcelain"]) ? `${head}+dirty` : head;
}

// --- the wgsite under test -----------------------------------------------------------------------

type Under = { argv: string[]; exe: string; label: string; scratch?: string };

async function wgsiteUnderTest(): Promise<Under> {
  const cli = join(ROOT, "src", "cli.tsx");
  const source: Under = { argv: [process.execPath, cli], exe: realpathSync(process.execPath), label: `bun src/cli.tsx (Bun ${Bun.version})` };
  if (args.source) return source;
  const scratch = mkdtempSync(join(tmpdir(), "wgsite-bench-build-"));
  try {
    const [built] = await build({ targets: TARGETS.filter((t) => t.name === "linux-x64"), outDir: scratch, log: () => {} });
    return { argv: [built!.file], exe: realpathSync(built!.file), label: "compiled binary (linux-x64, built from this tree)", scratch };
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    log(`build failed, measuring the source instead: ${(error as Error).message}`);
    return { ...source, label: `${source.label}; the binary did not build` };
  }
}

// --- one lab per contender ---------------------------------------------------------------------

type Contender = (typeof CONTENDERS)[number];
type Sample = {
  contender: Contender;
  round: number;
  ms?: number;
  error?: string;
  tunnel?: boolean;
  apply?: WgsiteRun;
  reruns?: WgsiteRun[];
  baseline?: BaselineRun;
  labMs?: number;
  /** 1-minute load average when the run started (the machine may be shared). */
  load?: number;
};

const NO_PORT_RESTRICTION = "firewall:\n  restrictPort: false\n";

/** A fresh lab for fn, torn down afterwards; a lab that fails to come up is tried once more. */
async function withLab<T>(fn: (lab: Lab) => Promise<T>): Promise<T & { labMs: number }> {
  let t = performance.now();
  let lab: Lab;
  try {
    lab = await createLab(args.os ? { os: args.os } : {});
  } catch (error) {
    log(`lab did not come up (${(error as Error).message.split("\n")[0]}); trying a fresh one`);
    t = performance.now();
    lab = await createLab(args.os ? { os: args.os } : {});
  }
  const labMs = performance.now() - t;
  try {
    return { ...(await fn(lab)), labMs };
  } finally {
    await lab.teardown();
  }
}

async function measure(contender: Contender, round: number, under: Under, pane?: (lab: Lab, site: string) => Promise<void>): Promise<Sample> {
  const sample: Sample = { contender, round };
  try {
    const r = await withLab(async (lab) => {
      sample.load = loadavg()[0];
      if (contender === "person" || contender === "expert" || contender === "expert-fw") {
        const baseline = await runBaseline(lab, contender);
        return { baseline, ms: baseline.ms, tunnel: await lanPingBothWays(lab) };
      }
      const site = writeSiteFile(lab);
      if (contender === "wgsite-nofw") writeFileSync(site, lab.siteYaml() + NO_PORT_RESTRICTION);
      const apply = await runWgsite(lab, under.argv, site);
      const tunnel = await lanPingBothWays(lab);
      const reruns: WgsiteRun[] = [];
      if (contender === "wgsite") {
        for (let i = 0; i < 2; i++) reruns.push(await runWgsite(lab, under.argv, site));
        if (pane) await pane(lab, site);
      }
      return { apply, reruns, ms: apply.ms, tunnel };
    });
    Object.assign(sample, r);
    if (!r.tunnel) sample.error = "no LAN-to-LAN ping across the tunnel afterwards";
  } catch (error) {
    sample.error = (error as Error).message;
  }
  log(`${contender} #${round + 1}: ${sample.error ? `FAILED: ${sample.error.split("\n")[0]}` : sec(sample.ms!)}${sample.labMs ? ` (lab up in ${sec(sample.labMs)})` : ""}`);
  return sample;
}

/** Per-tick cost at the SSH transport, from the status code's own probe (test/e2e/measure-tick.ts), when present. */
type Cost = { commands: number; bytesIn: number; bytesOut: number; ms: number };
type TickCost = Record<string, Record<"first" | "heavy" | "light", Cost>>;
const MEASURE_TICK = join(ROOT, "test", "e2e", "measure-tick.ts");

async function tickCost(lab: Lab, site: string): Promise<TickCost | undefined> {
  if (!existsSync(MEASURE_TICK)) return undefined;
  const r = await timed(["ip", "netns", "exec", lab.operatorNs, process.execPath, MEASURE_TICK, site, lab.sshConfigFile], {
    env: { WGSITE_SUDO_PASSWORD_BETA: lab.gateways.beta.sudoPassword ?? "" },
    timeoutMs: 60_000,
  });
  try {
    return JSON.parse(r.stdout) as TickCost;
  } catch {
    log(`measure-tick: exit ${r.code}: ${r.stderr.split("\n")[0]}`);
    return undefined;
  }
}

// --- report ------------------------------------------------------------------------------------

type Row = [string, string, string, string];

/** The light tick at the SSH transport, as a suffix for the table. */
function lightTick(tick: TickCost | undefined): string {
  if (!tick) return "";
  const light = Object.values(tick).map((c) => ((c.light.bytesIn + c.light.bytesOut) / 1024).toFixed(1));
  return `; a light tick ${light.join(" / ")} KiB at the SSH transport (alpha / beta)`;
}

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? "—" : ok ? "met" : "**missed**";
}

function table(rows: Row[]): string {
  const head: Row = ["Measure", "Result", "Target", "Status"];
  return [head, ["---", "---", "---", "---"] as Row, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/** --only: rounds of just these contenders, each sample and the medians printed; RESULTS.md is left alone. */
async function measureOnly(contenders: Contender[]) {
  const under = contenders.some((c) => c.startsWith("wgsite")) ? await wgsiteUnderTest() : { argv: [], exe: "", label: "none" };
  const samples: Sample[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++)
      for (const c of contenders) {
        const s = await measure(c, round, under);
        samples.push(s);
        log(`${c} #${round + 1}: ${s.error ? `failed: ${s.error.split("\n")[0]}` : `${sec(s.ms!)} · ${breakdown(s)}`}${s.reruns?.length ? ` · reruns ${s.reruns.map((r) => sec(r.ms)).join(", ")}` : ""}`);
      }
  } finally {
    if (under.scratch) rmSync(under.scratch, { recursive: true, force: true });
  }
  for (const c of contenders) {
    const ok = samples.filter((s) => s.contender === c && !s.error);
    log(`${c}: median ${sec(median(ok.map((s) => s.ms!)))} of ${ok.length} (${ok.map((s) => sec(s.ms!)).join(", ")})`);
  }
  const reruns = samples.flatMap((s) => s.reruns ?? []);
  if (reruns.length > 0) log(`wgsite rerun: median ${sec(median(reruns.map((r) => r.ms)))} of ${reruns.length}`);
  if (samples.some((s) => s.error)) process.exitCode = 1;
}

const OTHER_OS_HEADING = "## First apply on other gateway OSes";

/** That section comes from `--only wgsite --os ...` runs, which write nothing: a full run keeps it as it was. */
function otherOsSection(): string {
  const text = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : "";
  const at = text.indexOf(OTHER_OS_HEADING);
  if (at < 0) return "";
  const next = text.indexOf("\n## ", at + OTHER_OS_HEADING.length);
  return `\n${text.slice(at, next < 0 ? undefined : next + 1).trimEnd()}\n`;
}

async function main() {
  const skip = labSkipReason();
  if (skip) {
    process.stderr.write(`bench: the end-to-end lab cannot run here: ${skip}\n`);
    process.exit(2);
  }
  const started = new Date();
  const load0 = loadavg();
  const m = machine();
  const rev = commit();
  log(`commit ${rev}; ${m.nproc} × ${m.cpu}; Linux ${m.kernel}; ${ROUNDS} rounds`);
  if (ONLY) return measureOnly(ONLY as Contender[]);
  const under = await wgsiteUnderTest();
  log(`wgsite under test: ${under.label}`);

  const samples: Sample[] = [];
  let pane: PaneResult | undefined;
  let tick: TickCost | undefined;
  let paneError: string | undefined;
  let cold: ColdStart[] = [];
  let size = NaN;
  try {
    // Cold start first, on a quiet machine (no lab running).
    if (under.scratch) {
      size = statSync(under.argv[0]!).size;
      cold = coldStarts(under.argv[0]!, COLD_RUNS, { withDeno: false });
    } else cold = coldStarts("/nonexistent", COLD_RUNS, { withDeno: false });
    for (const c of cold) log(`${c.name}: ${c.medianMs.toFixed(1)} ms`);

    // Interleaved rounds, so drift in the machine's load spreads over all contenders.
    const order: Contender[] = [...CONTENDERS];
    // The pane runs on the first wgsite lab whose apply succeeded (its tunnel is up).
    const paneOn = async (lab: Lab, site: string) => {
      if (pane || paneError) return;
      log(`live pane: ${PANE_SECONDS} s window at 1 s refresh...`);
      try {
        pane = await measurePane(lab, under.argv, under.exe, site, { warmupSec: 5, windowSec: PANE_SECONDS });
        log(`live pane: ${pane.cpuPct.toFixed(2)} % of one core, ${Math.round(pane.bytesPerGatewayTick)} B per gateway tick`);
      } catch (error) {
        paneError = (error as Error).message;
        log(`live pane: not measured: ${paneError.split("\n")[0]}`);
      }
      tick = await tickCost(lab, site);
    };
    let slowestRoundMs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Keep the whole bench within its budget: a round is not started when it might not fit.
      const elapsed = performance.now() - benchStarted;
      if (round >= 3 && elapsed + slowestRoundMs > BUDGET_MS) {
        log(`stopping after ${round} rounds to stay within ${BUDGET_MS / 60_000} minutes`);
        roundsDone = round;
        break;
      }
      const roundStarted = performance.now();
      for (const contender of order) samples.push(await measure(contender, round, under, paneOn));
      slowestRoundMs = Math.max(slowestRoundMs, performance.now() - roundStarted);
      roundsDone = round + 1;
    }
  } finally {
    if (under.scratch) rmSync(under.scratch, { recursive: true, force: true });
  }

  const load1 = loadavg();
  const ok = (c: Contender) => samples.filter((s) => s.contender === c && !s.error);
  const med = (c: Contender) => median(ok(c).map((s) => s.ms!));
  const applyMs = med("wgsite");
  const nofwMs = med("wgsite-nofw");
  const personMs = med("person");
  const expertMs = med("expert");
  const expertFwMs = med("expert-fw");
  const reruns = ok("wgsite").flatMap((s) => s.reruns ?? []);
  const rerunMs = median(reruns.map((r) => r.ms));
  const firstApply = ok("wgsite")[0]?.apply;
  const firstRerun = reruns[0];
  const tp = (r: WgsiteRun | undefined, k: "connections" | "roundTrips") => (r ? r.transport.map((t) => t[k]).join(" / ") : "n/a");
  const maxOf = (r: WgsiteRun | undefined, k: "connections" | "roundTrips") => (r ? Math.max(...r.transport.map((t) => t[k])) : NaN);
  const coldOf = (name: string) => cold.find((c) => c.name === name);
  const bin = coldOf("binary --version");
  const binPlan = coldOf("binary plan --offline");
  const srcVer = coldOf("bun src/cli.tsx --version");
  const srcPlan = coldOf("bun src/cli.tsx plan --offline");
  const n = (c: Contender) => `${ok(c).length}/${samples.filter((s) => s.contender === c).length}`;

  const rows: Row[] = [
    [`First apply, both gateways, verified (median, ${n("wgsite")} labs)`, sec(applyMs), `≤ ${FLOOR_FACTOR}× expert floor with the same firewall (≤ ${sec(expertFwMs * FLOOR_FACTOR)})`, `${verdict(applyMs <= expertFwMs * FLOOR_FACTOR)}: ${(applyMs / expertFwMs).toFixed(2)}×`],
    [`↳ same, \`restrictPort: false\` (the reference procedure's work; ${n("wgsite-nofw")} labs)`, sec(nofwMs), `≤ ${FLOOR_FACTOR}× expert floor (≤ ${sec(expertMs * FLOOR_FACTOR)})`, `${verdict(nofwMs <= expertMs * FLOOR_FACTOR)}: ${(nofwMs / expertMs).toFixed(2)}×; ${(nofwMs / personMs).toFixed(2)}× person`],
    [`Person baseline: one ssh per command, one at a time (${n("person")} labs)`, sec(personMs), "", `${ok("person")[0]?.baseline?.connections ?? "?"} ssh connections; wgsite ${(applyMs / personMs).toFixed(2)}×`],
    [`Expert floor: parallel, 1 ssh session + 2 round trips each, ends at the first LAN-to-LAN reply (${n("expert")} labs)`, sec(expertMs), "", "—"],
    [`↳ expert floor with restrictPort's firewall (iptables installed, the port open to the peer only; ${n("expert-fw")} labs)`, sec(expertFwMs), "", "—"],
    [`Rerun, nothing to change (median of ${reruns.length}, measured apart from the first apply)`, sec(rerunMs), `≤ ${sec(RERUN_GOAL_MS)}`, verdict(rerunMs <= RERUN_GOAL_MS)],
    ["SSH connections per gateway (alpha / beta), apply · rerun", `${tp(firstApply, "connections")} · ${tp(firstRerun, "connections")}`, "≤ 1 (apply)", verdict(maxOf(firstApply, "connections") <= 1)],
    ["Command round trips per gateway (alpha / beta), apply · rerun: all on one channel, one sudo", `${tp(firstApply, "roundTrips")} · ${tp(firstRerun, "roundTrips")}`, "", "— (facts, prepare, configure + verify, commit)"],
    ["Binary size (linux-x64)", Number.isFinite(size) ? `${(size / 2 ** 20).toFixed(1)} MiB` : "not built", "", "—"],
    [`Cold start \`--version\` (median of ${COLD_RUNS})`, bin ? `${bin.medianMs.toFixed(1)} ms binary · ${srcVer?.medianMs.toFixed(1)} ms bun src` : `${srcVer?.medianMs.toFixed(1)} ms bun src (no binary)`, "≤ 50 ms (binary)", verdict(bin ? bin.medianMs <= 50 : undefined)],
    [`Cold start \`plan --offline\` (median of ${COLD_RUNS})`, bin ? `${binPlan?.medianMs.toFixed(1)} ms binary · ${srcPlan?.medianMs.toFixed(1)} ms bun src` : `${srcPlan?.medianMs.toFixed(1)} ms bun src`, "", "—"],
    pane
      ? [`Live pane CPU, 1 s refresh (${Math.round(pane.windowSec)} s window)`, `${pane.cpuPct.toFixed(2)} % of one core (${(pane.cpuSec * 60 / pane.windowSec).toFixed(2)} CPU s/min)`, "≤ 2 %", verdict(pane.cpuPct <= 2)]
      : ["Live pane CPU, 1 s refresh", "not measured yet", "≤ 2 %", paneError ? `—: ${paneError.split("\n")[0]}` : "—"],
    pane
      ? ["Live pane bytes per tick (per gateway)", `${(pane.bytesPerGatewayTick / 1024).toFixed(1)} KiB on the veth (${pane.ticks.alpha}+${pane.ticks.beta} ticks)${lightTick(tick)}`, "", "—"]
      : ["Live pane bytes over SSH per tick", "not measured yet", "", "—"],
  ];

  if (args.json) writeFileSync(args.json, JSON.stringify({ machine: m, commit: rev, samples, cold, pane, paneError, tick }, null, 2));
  const md = report({ started, m, rev, under, load0, load1, rows, samples, reruns, cold, pane, paneError, tick, medians: { applyMs, nofwMs, personMs, expertMs, expertFwMs, rerunMs } });
  process.stdout.write(`\n${table(rows)}\n\n`);
  if (!args["no-write"]) {
    writeFileSync(RESULTS, `${md.trimEnd()}\n${otherOsSection()}`);
    log(`wrote ${RESULTS}`);
  }
  log(`done in ${sec(performance.now() - benchStarted)}`);
  const failed = samples.filter((s) => s.error);
  if (failed.length > 0) {
    log(`${failed.length} run(s) failed: ${failed.map((s) => `${s.contender} #${s.round + 1}`).join(", ")}`);
    process.exitCode = 1;
  }
}

type ReportInput = {
  started: Date;
  m: ReturnType<typeof machine>;
  rev: string;
  under: Under;
  load0: number[];
  load1: number[];
  rows: Row[];
  samples: Sample[];
  reruns: WgsiteRun[];
  cold: ColdStart[];
  pane?: PaneResult;
  paneError?: string;
  tick?: TickCost;
  medians: Record<string, number>;
};

/** Seconds from the start of a wgsite run to its first progress line matching re (per gateway). */
function at(run: WgsiteRun, re: RegExp): number {
  return run.lines.find((l) => re.test(l.line))?.atMs ?? NaN;
}

/** Where a wgsite apply's time goes, from the timestamps of its progress lines (alpha / beta). */
function wgsitePhases(run: WgsiteRun): [string, string][] {
  const both = (f: (site: string) => number) => ["alpha", "beta"].map((s) => sec(f(s))).join(" / ");
  const t = (site: string, re: string) => at(run, new RegExp(`^\\[${site}\\] ${re}`));
  return [
    ["process start → connecting line", sec(at(run, /connecting to/))],
    ["connected + facts (1st round trip) done", both((s) => t(s, "Debian|Ubuntu|[A-Z].*, (systemd|openrc)"))],
    ["install done (phase A)", both((s) => t(s, "(done|ok) +Install"))],
    ["unit started (phase B)", both((s) => t(s, "(done|ok) +(Enable and start|Restart)"))],
    ["first check line (tunnel answered)", both((s) => t(s, "check "))],
    ["verified", both((s) => t(s, "done +Verify"))],
    ["process exit", sec(run.ms)],
  ];
}

/** One line per wgsite run: when each gateway got past each point (s since start, alpha/beta). */
function compactPhases(run: WgsiteRun, apply: boolean): string {
  const t = (site: string, re: string) => at(run, new RegExp(`^\\[${site}\\] ${re}`)) / 1000;
  const pair = (re: string) => ["alpha", "beta"].map((s) => t(s, re).toFixed(2)).join("/");
  const points: [string, string][] = [
    ["facts", "[A-Z].*, (systemd|openrc|unknown)"],
    ...(apply ? ([["installed", "(done|ok) +Install"], ["unit up", "(done|ok) +(Enable and start|Restart)"]] as [string, string][]) : []),
    ["tunnel answered", "check "],
    ["verified", "done +Verify"],
  ];
  return points.map(([k, re]) => `${k} ${pair(re)}`).join(" · ") + ` · exit ${(run.ms / 1000).toFixed(2)}`;
}

function breakdown(s: Sample): string {
  if (s.apply) return compactPhases(s.apply, true);
  const steps = s.baseline?.steps ?? [];
  if (s.contender === "expert" || s.contender === "expert-fw") return steps.map((x) => `${x.name} ${(x.ms / 1000).toFixed(2)}`).join(" · ");
  if (s.contender === "person") {
    const apt = steps.filter((x) => x.name.includes("apt-"));
    const rest = steps.filter((x) => !x.name.includes("apt-") && !x.name.includes("verify"));
    const verify = steps.find((x) => x.name.includes("verify"));
    const sum = (xs: { ms: number }[]) => xs.reduce((a, x) => a + x.ms, 0);
    return `apt update+install ×2 ${(sum(apt) / 1000).toFixed(2)} · ${rest.length} other commands ${(sum(rest) / 1000).toFixed(2)} (${Math.round(median(rest.map((x) => x.ms)))} ms each) · verify ${((verify?.ms ?? NaN) / 1000).toFixed(2)}`;
  }
  return "";
}

/** The goals with this run's figures, one line each, for the analysis. */
function goals(m: Record<string, number>, reruns: number): string[] {
  const { applyMs, nofwMs, expertMs, expertFwMs, rerunMs } = m as Record<"applyMs" | "nofwMs" | "expertMs" | "expertFwMs" | "rerunMs", number>;
  return [
    `First apply within ${FLOOR_FACTOR}× the expert floor (plain OpenSSH, both gateways in parallel, one session and two round trips each), the same work on both sides: ` +
      `the reference procedure (restrictPort: false) ${sec(nofwMs)} against ${sec(expertMs)} = ${(nofwMs / expertMs).toFixed(2)}×: ${verdict(nofwMs <= expertMs * FLOOR_FACTOR)}; ` +
      `wgsite's default, which also installs iptables and opens the port to the peer only, ${sec(applyMs)} against the floor doing the same ${sec(expertFwMs)} = ${(applyMs / expertFwMs).toFixed(2)}×: ${verdict(applyMs <= expertFwMs * FLOOR_FACTOR)}.`,
    `Rerun of an unchanged site file within ${sec(RERUN_GOAL_MS)}: median ${sec(rerunMs)} of ${reruns} reruns, each timed on its own from spawn to exit after the first apply: ${verdict(rerunMs <= RERUN_GOAL_MS)}.`,
  ];
}

function report(r: ReportInput): string {
  const { m, medians } = r;
  const lines: string[] = [];
  const p = (s = "") => lines.push(s);
  p("# wgsite benchmarks");
  p();
  p("Written by `npm run bench` (bench/run.ts). Numbers are from the lab: two Debian 12 gateways in systemd-nspawn");
  p("containers, wireguard-go (no kernel module), apt from a lab-local repository, SSH from an operator network namespace.");
  p();
  p(`- Date: ${r.started.toISOString().replace(/\.\d+Z$/, "Z")}`);
  p(`- Machine: ${m.nproc} × ${m.cpu}, Linux ${m.kernel}, Bun ${m.bun}; load average ${r.load0.map((x) => x.toFixed(2)).join(" ")} at start, ${r.load1.map((x) => x.toFixed(2)).join(" ")} at the end`);
  p(`- Commit: ${r.rev}`);
  p(`- wgsite under test: ${r.under.label}`);
  p(`- Labs: ${roundsDone} rounds, each a fresh lab per contender, contenders interleaved; each run checked with a LAN host → LAN host ping both ways`);
  p();
  p(table(r.rows));
  p();
  p("Contenders (all timed from spawn to exit, from the operator namespace, each on a fresh lab):");
  p();
  p("- **wgsite**: `wgsite --non-interactive -c site.yaml --ssh-config F --json` with the lab's reference site file. Its `firewall.restrictPort` defaults to true, so it also installs iptables and limits UDP 51000 to the peer, which the baselines do not do. Verification included (handshake, tunnel ping, route, 3 pings LAN address → remote LAN).");
  p("- **wgsite, restrictPort: false**: the same with `firewall: {restrictPort: false}`: the reference procedure's work, compared with the expert floor.");
  p("- **person** (bench/baseline.ts): the reference procedure as plain `ssh -F … -o BatchMode=yes HOST CMD`, one command per invocation, one at a time: apt-get update, apt-get install -y --no-install-recommends wireguard-tools wireguard-go, genkey, pubkey on alpha then beta; read both public keys; write both configs; enable both units; sysctl + /etc/sysctl.d file on each; then one ping from alpha's LAN address to beta's (repeated until it answers). beta via `sudo -S` with the password on stdin.");
  p("- **expert**, the floor (bench/baseline.ts): the reference procedure as fast as plain OpenSSH allows. Both gateways in parallel, one `ssh` session each carrying one script, two round trips on it: (1) apt update + install + key, printing the public key; (2) the peer's key arrives on the session's stdin, then config, forwarding and `systemctl enable --now`, then `ping -c1 -W1 -I <LAN address> <other gateway's LAN address>` in a tight loop; the session ends at the first reply. Both sides ping, so the side that comes up last starts a handshake the other answers at once (no 5 s retry). No sleeps, no repeated pings.");
  p("- **expert with the firewall** (bench/baseline.ts): the same floor doing what wgsite's default `restrictPort: true` does besides: `iptables` in the same apt-get install, and PostUp/PreDown rules that drop UDP 51000 from everyone but the peer. wgsite's default run is compared with this one.");
  p("- Every run is followed (untimed) by LAN host → LAN host pings both ways; a run without them counts as failed.");
  p();
  p("## Samples");
  p();
  p("Every run, in the order made (rounds interleave the contenders). Load: 1-minute load average when the lab came up.");
  p();
  p("| Run | Wall | Load | Lab up in | Where the time went |");
  p("| --- | --- | --- | --- | --- |");
  const names: Record<Contender, string> = {
    wgsite: "wgsite first apply",
    "wgsite-nofw": "wgsite first apply, restrictPort: false",
    person: "person baseline",
    expert: "expert baseline",
    "expert-fw": "expert baseline with the firewall",
  };
  for (const s of r.samples) {
    const wall = s.error ? "failed" : sec(s.ms!);
    const load = s.load === undefined ? "—" : s.load.toFixed(2);
    p(`| ${names[s.contender]} #${s.round + 1} | ${wall} | ${load} | ${s.labMs ? sec(s.labMs) : "—"} | ${breakdown(s)} |`);
    for (const [i, x] of (s.reruns ?? []).entries()) p(`| ↳ rerun ${i + 1} | ${sec(x.ms)} | | | ${compactPhases(x, false)} |`);
  }
  p();
  p("| Contender | Median |");
  p("| --- | --- |");
  for (const c of Object.keys(names) as Contender[]) p(`| ${names[c]} | ${sec(medians[{ wgsite: "applyMs", "wgsite-nofw": "nofwMs", person: "personMs", expert: "expertMs", "expert-fw": "expertFwMs" }[c]]!)} |`);
  p(`| wgsite rerun | ${sec(median(r.reruns.map((x) => x.ms)))} |`);
  const failed = r.samples.filter((s) => s.error);
  if (failed.length > 0) {
    p();
    p("Failed runs:");
    for (const s of failed) p(`- ${names[s.contender]} #${s.round + 1}: ${s.error!.split("\n").slice(0, 6).join(" ⏎ ")}`);
  }

  // Breakdown of the median wgsite apply and of the baselines.
  const mid = <T extends Sample>(ss: T[]) => [...ss].sort((a, b) => a.ms! - b.ms!)[Math.floor((ss.length - 1) / 2)];
  const wg = mid(r.samples.filter((s) => s.contender === "wgsite" && !s.error));
  if (wg?.apply) {
    p();
    p(`## Where a first apply's time goes (the median run, ${sec(wg.apply.ms)}; time since start, alpha / beta)`);
    p();
    p("| Point | At |");
    p("| --- | --- |");
    for (const [k, v] of wgsitePhases(wg.apply)) p(`| ${k} | ${v} |`);
    p();
    p("Steps as the gateways timed them (ms): " + wg.apply.steps.filter((s) => s.status === "changed").map((s) => `${s.site} ${s.id} ${Math.round(s.ms)}`).join(", "));
    const t = wg.apply.transport;
    p();
    p(`Transport, apply: ${t.map((x, i) => `${i === 0 ? "alpha" : "beta"} ${x.connections} connection, ${x.roundTrips} round trips, ${(x.bytesIn / 1024).toFixed(1)} KiB in, ${(x.bytesOut / 1024).toFixed(1)} KiB out`).join("; ")}.`);
  }
  const rr = r.reruns[Math.floor((r.reruns.length - 1) / 2)];
  if (rr) {
    const t = rr.transport;
    p(`Transport, rerun: ${t.map((x, i) => `${i === 0 ? "alpha" : "beta"} ${x.connections} connection, ${x.roundTrips} round trips, ${(x.bytesIn / 1024).toFixed(1)} KiB in, ${(x.bytesOut / 1024).toFixed(1)} KiB out`).join("; ")}.`);
    p();
    p(`Rerun (${sec(rr.ms)}): ` + wgsitePhases(rr).filter(([k]) => !/install|unit/.test(k)).map(([k, v]) => `${k} ${v}`).join("; ") + ".");
  }
  for (const c of ["person", "expert"] as const) {
    const b = mid(r.samples.filter((s) => s.contender === c && !s.error));
    if (!b?.baseline) continue;
    p();
    p(`${names[c]} (median run, ${sec(b.ms!)}): ` + b.baseline.steps.map((s) => `${s.name} ${Math.round(s.ms)} ms`).join(", ") + ".");
  }
  if (r.pane) {
    const x = r.pane;
    p();
    p("## Live pane");
    p();
    p(`\`wgsite status -c FILE\` in a pty (\`script\`, 120×40) in the operator namespace, default 1 s refresh, measured over ${x.windowSec.toFixed(1)} s after a ${x.warmupSec} s warm-up:`);
    p(`${x.cpuSec.toFixed(2)} CPU s (utime+stime of the process) = ${x.cpuPct.toFixed(2)} % of one core; warm-up (connect, first heavy tick) ${x.warmupCpuSec.toFixed(2)} CPU s; RSS ${(x.rssKb / 1024).toFixed(0)} MiB.`);
    p(`Ticks counted on the gateways: alpha ${x.ticks.alpha}, beta ${x.ticks.beta}. Operator veth: ${(x.bytesRx / 1024).toFixed(1)} KiB received, ${(x.bytesTx / 1024).toFixed(1)} KiB sent ` +
      `= ${(x.bytesPerGatewayTick / 1024).toFixed(2)} KiB and ${x.packetsPerGatewayTick.toFixed(1)} IP packets per gateway tick (TCP/IP headers and ACKs included; a heavy tick every 30 s included). Terminal output: ${(x.ttyBytes / 1024).toFixed(0)} KiB (${(x.ttyBytes / x.windowSec / 1024).toFixed(1)} KiB/s). Quit with q: ${x.exitedCleanly ? "clean exit" : "did not exit cleanly"}.`);
  }
  if (!r.pane && r.paneError) {
    p();
    p("## Live pane");
    p();
    p("Not measured: " + r.paneError.split("\n").slice(0, 8).join(" ⏎ "));
  }
  if (r.tick) {
    const k = (c: Cost) => `${((c.bytesIn + c.bytesOut) / 1024).toFixed(2)} KiB (${(c.bytesIn / 1024).toFixed(2)} in, ${(c.bytesOut / 1024).toFixed(2)} out), ${c.commands} command${c.commands === 1 ? "" : "s"} started, ${c.ms} ms`;
    p();
    p("Per tick at the SSH transport (test/e2e/measure-tick.ts over wgsite's own connection; TCP payload, SSH overhead included). The first tick starts the probe loop on the gateway and sends its script; every later tick is one request line out and one report back:");
    p();
    p("| Gateway | First tick | Light tick | Heavy tick (every 30 s) |");
    p("| --- | --- | --- | --- |");
    for (const [g, c] of Object.entries(r.tick)) p(`| ${g} | ${k(c.first)} | ${k(c.light)} | ${k(c.heavy)} |`);
  }
  p();
  p("## Cold start");
  p();
  p("| Command | Median | Min | Max |");
  p("| --- | --- | --- | --- |");
  for (const c of r.cold) p(`| ${c.name} | ${c.medianMs.toFixed(1)} ms | ${c.minMs.toFixed(1)} ms | ${c.maxMs.toFixed(1)} ms |`);
  p();
  p("## Goals (issue 14)");
  p();
  for (const line of goals(medians, r.reruns.length)) p(`- ${line}`);
  p();
  const findings = join(ROOT, "bench", "FINDINGS.md");
  try {
    p(readFileSync(findings, "utf8").trim());
    p();
  } catch {}
  return lines.join("\n");
}

await main();
