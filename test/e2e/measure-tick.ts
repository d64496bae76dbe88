/**
 * What the live pane's ticks cost on the wire, per gateway, over the real connection wgsite holds:
 *   bun test/e2e/measure-tick.ts SITE.yaml SSH_CONFIG      (run where the gateways are reachable)
 * Prints JSON: per gateway, commands started, bytes in and out (TCP, SSH overhead included) and
 * milliseconds of the first tick (the probe loop started, its script sent, everything in full) and
 * of the steady heavy and light ticks that follow (a request line out, unchanged sections as a checksum).
 */
import { readSite } from "../../src/flows/read-site.ts";
import { closeSessions, openGateways } from "../../src/remote/gateways.ts";
import { nonInteractivePrompts } from "../../src/remote/noninteractive-prompts.ts";
import type { ProbeCache } from "../../src/status/probe.ts";
import { probeTargets } from "../../src/status/targets.ts";
import { ProbeWatch } from "../../src/status/watch.ts";

export type TickCost = { commands: number; bytesIn: number; bytesOut: number; ms: number };

const [sitePath, sshConfig] = process.argv.slice(2);
const site = await readSite(sitePath!);
const sessions = await openGateways(site, { sshConfig }, nonInteractivePrompts(false), () => undefined);
for (const s of sessions) s.release();
const result: Record<string, Record<string, TickCost>> = {};
try {
  for (const s of sessions) {
    const peer = sessions[s.index === 0 ? 1 : 0];
    const targets = probeTargets(site, s.index, s.facts.connected, peer.facts.connected);
    // sudo's first command proves the password in a longer script: not part of a tick's cost.
    await s.root.exec("true");
    let watch: ProbeWatch | undefined;
    let cache: ProbeCache = {};
    const measure = async (heavy: boolean): Promise<TickCost> => {
      const before = { ...s.conn.stats };
      const t = performance.now();
      watch ??= new ProbeWatch(s.root, targets);
      const out = await watch.tick(heavy, cache, 30_000);
      cache = out.cache;
      const after = s.conn.stats;
      return { commands: after.roundTrips - before.roundTrips, bytesIn: after.bytesIn - before.bytesIn, bytesOut: after.bytesOut - before.bytesOut, ms: Math.round(performance.now() - t) };
    };
    result[s.def.name] = { first: await measure(false), heavy: await measure(true), light: await measure(false) };
    watch?.close();
  }
} finally {
  await closeSessions(sessions);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
