#!/usr/bin/env bun
/**
 * `bun bench/sites-trace.ts [--sites 2,6] [--rounds 1] [--binary PATH] [--restrict-port]`: where an N-site first apply
 * spends its time. One fresh lab per round; wgsite runs with WGSITE_TRACE=1 (src/remote/trace.ts)
 * under /usr/bin/time, and the run is measured three ways:
 * - per gateway, the phase edges wgsite saw (TCP, key exchange, login, facts, prepare, configure +
 *   verify, commit), in ms from wgsite's start;
 * - wgsite's own CPU (user + system, from /usr/bin/time and process.cpuUsage at each phase);
 * - each gateway's CPU over the run: every process in its container (own + reaped children's
 *   times, /proc/PID/stat), before and after; and the machine's busy CPU (/proc/stat) against
 *   cores x wall, which says whether the gateways queued for the two cores.
 * Prints a report on stdout; writes nothing.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../build.ts";
import { createLab, labSkipReason, type Lab } from "../test/lab/lab.ts";
import { timed } from "./lab-runs.ts";

const { values: args } = parseArgs({ options: { sites: { type: "string", default: "2,6" }, rounds: { type: "string", default: "1" }, binary: { type: "string" }, src: { type: "string" }, "restrict-port": { type: "boolean", default: false } } });
const COUNTS = args.sites.split(",").map(Number);
const ROUNDS = Math.max(1, Number(args.rounds));
const skip = labSkipReason();
if (skip) throw new Error(`no lab: ${skip}`);

/** CPU seconds of everything in a gateway's container: utime+stime of the living and of the children they reaped. */
async function containerCpu(lab: Lab, site: string): Promise<{ total: number; byName: Record<string, number> }> {
  const r = await lab.inGateway(site, "for f in /proc/[0-9]*/stat; do cat $f 2>/dev/null; echo; done");
  const byName: Record<string, number> = {};
  let total = 0;
  for (const line of r.stdout.split("\n")) {
    const m = /^\d+ \((.*)\) (.*)$/.exec(line.trim());
    if (!m) continue;
    const f = m[2]!.split(" ");
    // After the name: state is field 3, utime 14, stime 15, cutime 16, cstime 17 (1-based over the whole line).
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    total += ticks;
    byName[m[1]!] = (byName[m[1]!] ?? 0) + ticks;
  }
  return { total: total / 100, byName: Object.fromEntries(Object.entries(byName).map(([k, v]) => [k, v / 100])) };
}

/** Busy and total jiffies of the machine (all cores). */
function machineCpu(): { busy: number; all: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!;
  const all = f.reduce((a, b) => a + b, 0);
  return { busy: (all - idle) / 100, all: all / 100 };
}

// --src A,B: trees whose src/cli.tsx bun runs, taken in turn on fresh labs (an A/B of a change).
const contenders = args.binary ? [[args.binary]] : (args.src ? args.src.split(",") : [ROOT]).map((dir) => [process.execPath, join(dir, "src/cli.tsx")]);
const sec = (ms: number) => (ms / 1000).toFixed(2);

for (let round = 0; round < ROUNDS; round++) for (const SITES of COUNTS) for (const wgsite of contenders) {
  const lab = await createLab({ sites: SITES });
  try {
    const file = join(lab.dir, "site.yaml");
    writeFileSync(file, `${lab.siteYaml()}${args["restrict-port"] ? "" : "firewall:\n  restrictPort: false\n"}`);
    const before = await Promise.all(lab.sites.map((s) => containerCpu(lab, s)));
    const load = loadavg()[0]!.toFixed(2);
    const m0 = machineCpu();
    const argv = ["ip", "netns", "exec", lab.operatorNs, "/usr/bin/time", "-f", "@@time user=%U sys=%S wall=%e", ...wgsite, "--non-interactive", "-c", file, "--ssh-config", lab.sshConfigFile, "--json"];
    const r = await timed(argv, { env: { NO_COLOR: "1", WGSITE_TRACE: "1", WGSITE_SUDO_PASSWORD_BETA: lab.gateways.beta.sudoPassword ?? "" }, timeoutMs: 240_000 });
    const m1 = machineCpu();
    const after = await Promise.all(lab.sites.map((s) => containerCpu(lab, s)));
    if (r.code !== 0) throw new Error(`wgsite exited ${r.code}:\n${r.stderr.split("\n").slice(-25).join("\n")}`);
    const events = new Map<string, Map<string, number>>();
    const cpu: string[] = [];
    for (const l of r.stderr.split("\n")) {
      const m = /^@@trace (\S+) (\S+) (.*)$/.exec(l);
      if (!m) continue;
      if (m[2] === "-") cpu.push(`${m[3]} at ${sec(Number(m[1]))} s`);
      else {
        const e = events.get(m[2]!) ?? new Map<string, number>();
        let key = m[3]!;
        for (let n = 2; e.has(key); n++) key = `${m[3]}#${n}`;
        e.set(key, Number(m[1]));
        events.set(m[2]!, e);
      }
    }
    const time = /@@time (.*)/.exec(r.stderr)?.[1] ?? "?";
    const wall = r.ms;
    const busy = m1.busy - m0.busy;
    const cores = cpus().length;
    process.stdout.write(`\n## ${SITES} sites, round ${round + 1}, ${wgsite.at(-1)}: wall ${sec(wall)} s, load ${load} at start\n\n`);
    process.stdout.write(`wgsite process (/usr/bin/time): ${time}\n${cpu.map((c) => `  ${c}`).join("\n")}\n`);
    process.stdout.write(`machine: ${busy.toFixed(2)} CPU s busy of ${(cores * wall / 1000).toFixed(2)} (${cores} cores x wall) = ${(100 * busy / (cores * wall / 1000)).toFixed(0)} %\n\n`);
    const cols = ["tcp-connected", "ssh-kex-hostkey", "ssh-ready", "facts", "prepare-sent", "step-done:install", "step-done:keys", "prepare-back", "configure-sent", "step-done:unit", "step-start:verify", "step-done:verify", "configure-back", "commit-sent", "commit-back"];
    process.stdout.write(`| gateway | ${cols.join(" | ")} | CPU s on the gateway | top processes |\n| ${cols.map(() => "---").join(" | ")} | --- | --- | --- |\n`);
    lab.sites.forEach((s, i) => {
      const e = events.get(s) ?? new Map();
      const diff = Object.entries(after[i]!.byName).map(([k, v]) => [k, v - (before[i]!.byName[k] ?? 0)] as const).filter(([, v]) => v >= 0.02).sort((a, b) => b[1] - a[1]).slice(0, 5);
      process.stdout.write(`| ${s} | ${cols.map((c) => (e.has(c) ? sec(e.get(c)!) : "")).join(" | ")} | ${(after[i]!.total - before[i]!.total).toFixed(2)} | ${diff.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")} |\n`);
    });
    // Every edge of each gateway in order (gw: marks are the gateway's own clock, which the lab shares).
    for (const s of lab.sites) {
      const e = [...(events.get(s) ?? new Map<string, number>())].sort((a, b) => a[1] - b[1]);
      process.stdout.write(`${s}: ${e.map(([k, v]) => `${k} ${sec(v)}`).join(" · ")}\n`);
    }
    // The critical path: each phase from the last gateway's start edge to the last one's end edge.
    const last = (k: string) => Math.max(...lab.sites.map((s) => events.get(s)?.get(k) ?? NaN));
    const cpuAt = (s: string, k: string) => Number([...(events.get(s) ?? new Map<string, number>()).keys()].find((x) => x.startsWith(`gw:${k}_cpu=`))?.split("=")[1]);
    const gwCpu = (a: string, b: string) => lab.sites.map((s) => cpuAt(s, b) - cpuAt(s, a)).reduce((x, y) => x + y, 0);
    process.stdout.write(`phases: connect+facts ${sec(last("facts"))} · prepare ${sec(last("prepare-back") - last("prepare-sent"))} (gateways' CPU ${gwCpu("prepare-start", "prepare-end").toFixed(2)} s) · configure to unit up ${sec(last("step-done:unit") - last("configure-sent"))} · verify ${sec(last("configure-back") - last("step-done:unit"))} (configure+verify CPU ${gwCpu("configure-start", "configure-end").toFixed(2)} s) · commit+exit ${sec(wall - last("configure-back"))}\n`);
    // A rerun of the same file (nothing to change): its wall and its verification, the part a mesh makes longer.
    const again = await timed(argv, { env: { NO_COLOR: "1", WGSITE_TRACE: "1", WGSITE_SUDO_PASSWORD_BETA: lab.gateways.beta.sudoPassword ?? "" }, timeoutMs: 240_000 });
    const edges = [...again.stderr.matchAll(/^@@trace (\S+) (\S+) (\S+)/gm)].filter((m) => m[2] !== "-");
    const lastOf = (k: string) => Math.max(...edges.filter((m) => m[3] === k).map((m) => Number(m[1])));
    process.stdout.write(`rerun: exit ${again.code}, wall ${sec(again.ms)} s · facts in ${sec(lastOf("facts"))} · verify ${sec(lastOf("verify-back") - lastOf("verify-sent"))}\n`);
    const allGw = after.reduce((a, x, i) => a + x.total - before[i]!.total, 0);
    process.stdout.write(`\ngateways together: ${allGw.toFixed(2)} CPU s\n`);
  } finally {
    await lab.teardown();
  }
}
