#!/usr/bin/env bun
/**
 * `bun bench/sites.ts [--rounds N] [--sites 2,4,6] [--pane-seconds S]`: wgsite's first apply and
 * rerun for 2, 4 and 6 sites (a mesh, restrictPort off, from bare lab gateways), the source run by
 * bun; then, on the largest mesh's last lab, the live pane (`wgsite status` in a pty, bench/pane.ts)
 * for S seconds: its CPU and the bytes per tick per gateway. Issue 18's goals: 6 sites within 1.5x
 * the 2-site first apply, a rerun of 6 within 1 s, the 6-site pane under 2 % of one core. Prints
 * the tables (with every round's figures on stderr); writes nothing. The lab's gateways share this machine's cores, so
 * their parallel work (dpkg, wireguard-go) does not run in parallel here as it would on real ones.
 */
import { realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../build.ts";
import { createLab, labSkipReason } from "../test/lab/lab.ts";
import { runWgsite } from "./lab-runs.ts";
import { measurePane, type PaneResult } from "./pane.ts";

const { values: args } = parseArgs({
  options: { rounds: { type: "string", default: "2" }, sites: { type: "string", default: "2,4,6" }, "pane-seconds": { type: "string", default: "30" }, help: { type: "boolean" } },
});
if (args.help) {
  process.stdout.write(
    "bun bench/sites.ts [--rounds N] [--sites 2,4,6] [--pane-seconds S]\n" +
      "  first apply and rerun per site count (N rounds each, 1-5, default 2), then the live pane of the\n" +
      "  largest count for S seconds (default 30; 0 skips): % of one core, bytes per tick per gateway.\n" +
      "  Needs the lab (root). Prints markdown tables; writes nothing.\n",
  );
  process.exit(0);
}
const ROUNDS = Math.max(1, Math.min(5, Number(args.rounds)));
const COUNTS = args.sites.split(",").map(Number);
const PANE_SECONDS = Math.max(0, Math.min(120, Number(args["pane-seconds"])));
const PANE_SITES = Math.max(...COUNTS);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const skip = labSkipReason();
if (skip) throw new Error(`no lab: ${skip}`);

const wgsite = [process.execPath, join(ROOT, "src/cli.tsx")];
let pane: PaneResult | undefined;
const rows: { sites: number; first: number[]; rerun: number[]; roundTrips: number; slowest: Record<string, number[]> }[] = [];
for (const sites of COUNTS) {
  const row = { sites, first: [] as number[], rerun: [] as number[], roundTrips: 0, slowest: {} as Record<string, number[]> };
  for (let round = 0; round < ROUNDS; round++) {
    const lab = await createLab({ sites });
    try {
      const file = join(lab.dir, "site.yaml");
      writeFileSync(file, `${lab.siteYaml()}firewall:\n  restrictPort: false\n`);
      const first = await runWgsite(lab, wgsite, file);
      if (!first.ok) throw new Error(`first apply of ${sites} sites failed`);
      const rerun = await runWgsite(lab, wgsite, file);
      if (rerun.changed.some(Boolean)) throw new Error(`rerun of ${sites} sites changed something`);
      row.first.push(first.ms);
      row.rerun.push(rerun.ms);
      row.roundTrips = Math.max(...first.transport.map((t) => t.roundTrips));
      // The slowest gateway's time per step: where a larger mesh spends its extra time.
      for (const id of ["install", "keys", "unit"]) {
        const ms = Math.max(0, ...first.steps.filter((st) => st.id === id).map((st) => st.ms));
        (row.slowest[id] ??= []).push(ms);
      }
      process.stderr.write(`bench: ${sites} sites, round ${round + 1}: first ${first.ms} ms, rerun ${rerun.ms} ms\n`);
      if (sites === PANE_SITES && round === ROUNDS - 1 && PANE_SECONDS > 0) {
        // 80x24: the size the issue asks the pane of six sites to fit.
        pane = await measurePane(lab, wgsite, realpathSync(process.execPath), file, { warmupSec: 5, windowSec: PANE_SECONDS, cols: 80, rows: 24 });
        process.stderr.write(`bench: live pane of ${sites} sites: ${pane.cpuPct.toFixed(2)} % of one core, ${Math.round(pane.bytesPerGatewayTick)} B per gateway tick\n`);
      }
    } finally {
      await lab.teardown();
    }
  }
  rows.push(row);
}
const base = median(rows.find((r) => r.sites === 2)?.first ?? [NaN]);
process.stdout.write("| sites | first apply (median) | vs 2 sites | rerun (median) | round trips per gateway | slowest gateway: install / keys / unit |\n| --- | --- | --- | --- | --- | --- |\n");
for (const r of rows) {
  const step = (id: string) => `${(median(r.slowest[id] ?? [NaN]) / 1000).toFixed(2)} s`;
  process.stdout.write(`| ${r.sites} | ${(median(r.first) / 1000).toFixed(2)} s | ${(median(r.first) / base).toFixed(2)}x | ${(median(r.rerun) / 1000).toFixed(2)} s | ${r.roundTrips} | ${step("install")} / ${step("keys")} / ${step("unit")} |\n`);
}
if (pane) {
  const ticks = Object.values(pane.ticks);
  process.stdout.write(
    `\n| live pane, ${PANE_SITES} sites (80x24, ${Math.round(pane.windowSec)} s window) | figure | goal |\n| --- | --- | --- |\n` +
      `| CPU | ${pane.cpuPct.toFixed(2)} % of one core (${pane.cpuSec.toFixed(2)} CPU s) | < 2 % |\n` +
      `| bytes per tick per gateway | ${(pane.bytesPerGatewayTick / 1024).toFixed(2)} KiB, ${pane.packetsPerGatewayTick.toFixed(1)} IP packets (TCP/IP headers included; ${Math.min(...ticks).toFixed(0)}-${Math.max(...ticks).toFixed(0)} ticks per gateway) | |\n` +
      `| terminal output | ${(pane.ttyBytes / pane.windowSec / 1024).toFixed(1)} KiB/s; RSS ${(pane.rssKb / 1024).toFixed(0)} MiB; quit with q: ${pane.exitedCleanly ? "clean" : "NOT clean"} | |\n`,
  );
}
