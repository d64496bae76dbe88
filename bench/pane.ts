/**
 * The live pane's cost: `wgsite status -c FILE` (not --once) runs in a pty (`script`) inside the
 * operator namespace for a measured window; its CPU time comes from /proc/<pid>/stat (utime+stime,
 * all threads), the bytes from the operator's veth counters (everything the operator namespace sent
 * and received: every gateway's SSH traffic, TCP/IP headers included), and the ticks from a counter
 * on each gateway: a `date` wrapper in /usr/local/bin (first in the probe's PATH) that appends a line
 * for every `date +%s`, which each tick runs once per other site (the "clock" probe: two sites, once).
 */
import { spawn } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import type { Lab, Site, SiteName } from "../test/lab/lab.ts";
import { q } from "./baseline.ts";

export type PaneResult = {
  windowSec: number;
  warmupSec: number;
  cpuSec: number;
  /** CPU seconds per wall second, as % of one core. */
  cpuPct: number;
  /** CPU of the whole run so far at the end of the warm-up (connect, first heavy tick, first render). */
  warmupCpuSec: number;
  /** Each gateway's ticks in the window (the lab's every gateway: alpha, beta and any more). */
  ticks: Record<Site, number> & Record<SiteName, number>;
  bytesRx: number;
  bytesTx: number;
  /** Bytes per tick of one gateway: (rx + tx) / (the gateways' ticks together). */
  bytesPerGatewayTick: number;
  /** IP packets (both directions) per tick of one gateway. */
  packetsPerGatewayTick: number;
  /** Terminal output written by the pane in the window (render churn). */
  ttyBytes: number;
  rssKb: number;
  exitedCleanly: boolean;
};

const TICKS_FILE = "/run/wgsite-bench-ticks";
const WRAPPER = `#!/bin/sh
# wgsite bench: counts the status probe's ticks (its "clock" probe runs date +%s once per tick)
[ "$1" = "+%s" ] && echo >> ${TICKS_FILE}
exec /usr/bin/date "$@"
`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function cpuTicks(pid: number): number {
  // Fields after the parenthesised comm: state is field 3, utime 14, stime 15.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

function rssKb(pid: number): number {
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The wgsite process under the `script` process: the descendant running `exe`. */
function findWgsite(root: number, exe: string): number | undefined {
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (readlinkSync(`/proc/${pid}/exe`) === exe && cmd.includes("status")) return pid;
    } catch {}
    queue.push(...children(pid));
  }
  return undefined;
}

async function vethBytes(lab: Lab): Promise<{ rx: number; tx: number; packets: number }> {
  const stat = (k: string) => `/sys/class/net/eth0/statistics/${k}`;
  const r = await lab.inNs(lab.operatorNs, ["cat", stat("rx_bytes"), stat("tx_bytes"), stat("rx_packets"), stat("tx_packets")]);
  const [rx, tx, rxp, txp] = r.stdout.trim().split("\n").map(Number);
  return { rx: rx!, tx: tx!, packets: rxp! + txp! };
}

const sitesOf = (lab: Lab): SiteName[] => Object.keys(lab.gateways);

/** Each gateway's ticks so far: its `date +%s` lines over the clock probes one tick runs (one per other site). */
async function ticks(lab: Lab): Promise<PaneResult["ticks"]> {
  const sites = sitesOf(lab);
  const count = async (site: SiteName) => (Number((await lab.inGateway(site, `cat ${TICKS_FILE} 2>/dev/null | wc -l`)).stdout.trim()) || 0) / (sites.length - 1);
  const counts = await Promise.all(sites.map(count));
  return Object.fromEntries(sites.map((s, i) => [s, counts[i]!])) as PaneResult["ticks"];
}

/**
 * Runs the pane on a lab whose tunnel is up. `wgsite` is the argv prefix (binary, or bun + cli);
 * `exe` the executable to find in the process tree (realpath).
 */
export async function measurePane(lab: Lab, wgsite: string[], exe: string, siteFile: string, opts: { warmupSec: number; windowSec: number; cols?: number; rows?: number }): Promise<PaneResult> {
  for (const site of sitesOf(lab)) {
    const r = await lab.inGateway(site, `cat > /usr/local/bin/date && chmod 755 /usr/local/bin/date && rm -f ${TICKS_FILE}`, { input: WRAPPER });
    if (r.code !== 0) throw new Error(`tick counter on ${site}: ${r.stderr}`);
  }
  const command = `stty cols ${opts.cols ?? 120} rows ${opts.rows ?? 40}; exec ${[...wgsite, "status", "-c", siteFile, "--ssh-config", lab.sshConfigFile].map(q).join(" ")}`;
  const child = spawn("ip", ["netns", "exec", lab.operatorNs, "script", "-qfec", command, "/dev/null"], {
    env: { ...process.env, TERM: "xterm-256color", WGSITE_SUDO_PASSWORD_BETA: lab.gateways.beta.sudoPassword ?? "" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let tty = 0;
  let ttyTail = "";
  child.stdout!.on("data", (d: Buffer) => {
    tty += d.length;
    ttyTail = (ttyTail + d.toString("utf8")).slice(-4000);
  });
  child.stderr!.on("data", (d: Buffer) => (ttyTail = (ttyTail + d.toString("utf8")).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let pid: number | undefined;
  try {
    for (let i = 0; i < 100 && pid === undefined; i++) {
      await sleep(50);
      pid = findWgsite(child.pid!, exe);
    }
    if (pid === undefined) throw new Error(`wgsite status did not start: ${ttyTail}`);
    await sleep(opts.warmupSec * 1000);
    if (child.exitCode !== null) throw new Error(`wgsite status exited (${child.exitCode}) during warm-up:\n${plain(ttyTail)}`);
    const [cpu0, bytes0, ticks0] = [cpuTicks(pid), await vethBytes(lab), await ticks(lab)];
    const tty0 = tty;
    const t0 = performance.now();
    await sleep(opts.windowSec * 1000);
    if (child.exitCode !== null) throw new Error(`wgsite status exited (${child.exitCode}) during the window:\n${plain(ttyTail)}`);
    const cpu1 = cpuTicks(pid);
    const wall = (performance.now() - t0) / 1000;
    const [bytes1, ticks1] = [await vethBytes(lab), await ticks(lab)];
    const rss = rssKb(pid);
    const hz = 100; // USER_HZ: 100 on Linux x86-64 and arm64
    const cpuSec = (cpu1 - cpu0) / hz;
    const t = Object.fromEntries(sitesOf(lab).map((s) => [s, ticks1[s]! - ticks0[s]!])) as PaneResult["ticks"];
    const allTicks = Object.values(t).reduce((a, b) => a + b, 0);
    const rx = bytes1.rx - bytes0.rx;
    const tx = bytes1.tx - bytes0.tx;
    // Quit as a person would (q), so a clean exit is part of what is checked.
    child.stdin!.write("q");
    const code = await Promise.race([exited, sleep(5000).then(() => "timeout" as const)]);
    return {
      windowSec: wall,
      warmupSec: opts.warmupSec,
      cpuSec,
      cpuPct: (cpuSec / wall) * 100,
      warmupCpuSec: cpu0 / hz,
      ticks: t,
      bytesRx: rx,
      bytesTx: tx,
      bytesPerGatewayTick: (rx + tx) / Math.max(1, allTicks),
      packetsPerGatewayTick: (bytes1.packets - bytes0.packets) / Math.max(1, allTicks),
      ttyBytes: tty - tty0,
      rssKb: rss,
      exitedCleanly: code === 0,
    };
  } finally {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      if (pid !== undefined) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {}
      }
      await Promise.race([exited, sleep(3000)]);
      if (child.exitCode === null) {
        child.kill("SIGKILL");
        if (pid !== undefined) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {}
        }
      }
    }
    for (const site of sitesOf(lab)) await lab.inGateway(site, `rm -f /usr/local/bin/date ${TICKS_FILE}`).catch(() => undefined);
  }
}

/** Terminal output without escape sequences, for error messages. */
function plain(s: string): string {
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\x1b[()][A-Z0-9]/g, "").split("\n").slice(-15).join("\n");
}
