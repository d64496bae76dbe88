/**
 * WGSITE_TRACE=1: one stderr line per phase edge, `@@trace <ms since start> <site> <what>`, for the
 * benchmarks' breakdown of where a run's time goes (bench/sites-trace.ts). Off, it costs one check.
 */
const ON = process.env.WGSITE_TRACE === "1";

export const tracing = (): boolean => ON;

export function trace(site: string, what: string): void {
  if (ON) process.stderr.write(`@@trace ${performance.now().toFixed(1)} ${site} ${what}\n`);
}

/** The process's CPU so far (user + system), and its wall clock. */
export function traceCpu(what: string): void {
  if (!ON) return;
  const { user, system } = process.cpuUsage();
  trace("-", `${what} cpu-user-ms=${(user / 1000).toFixed(0)} cpu-sys-ms=${(system / 1000).toFixed(0)}`);
}

/** A line for a gateway's script: its clock (the lab's gateways share the host's) and what happened, on its stderr. */
export function remoteMark(what: string): string {
  return ON ? `echo "@@wgsite-t $(date +%s%N) ${what}" >&2` : "";
}

/** The marks a script wrote, traced at the gateway's time (ms since wgsite's start). */
export function remoteMarks(site: string, stderr: string): void {
  if (!ON) return;
  for (const m of stderr.matchAll(/^@@wgsite-t (\d+) (.*)$/gm)) {
    const at = Number(BigInt(m[1]!) / 1000n) / 1000 - performance.timeOrigin;
    process.stderr.write(`@@trace ${at.toFixed(1)} ${site} gw:${m[2]!.trim().replaceAll(" ", "_")}\n`);
  }
}

/** A mark with the CPU seconds every process on the gateway used so far (own + reaped children's; the lab's containers have their own /proc). */
export function gatewayCpuMark(what: string): string {
  return remoteMark(`${what} cpu=$(sed 's/^.*) //' /proc/[0-9]*/stat 2>/dev/null | awk '{ t += $12 + $13 + $14 + $15 } END { printf "%.2f", t / 100 }')`);
}
