/**
 * What one status tick costs on the wire, per gateway, over the real connection wgsite holds:
 *   bun test/e2e/measure-tick.ts SITE.yaml SSH_CONFIG      (run where the gateways are reachable)
 * Prints JSON: per gateway, round trips, bytes in and out (TCP, SSH overhead included) and
 * milliseconds of the first tick (everything in full, script plain) and of the steady heavy and
 * light ticks that follow (script gzipped, unchanged sections as a checksum).
 */
import { readSite } from "../../src/flows/read-site.ts";
import { closeSessions, openGateways } from "../../src/remote/gateways.ts";
import { nonInteractivePrompts } from "../../src/remote/noninteractive-prompts.ts";
import { probeGateway, type ProbeCache } from "../../src/status/probe.ts";
import { probeTargets } from "../../src/status/targets.ts";

type Cost = { roundTrips: number; bytesIn: number; bytesOut: number; ms: number };

const [sitePath, sshConfig] = process.argv.slice(2);
const site = await readSite(sitePath!);
const sessions = await openGateways(site, { sshConfig }, nonInteractivePrompts(false), () => undefined);
for (const s of sessions) s.release();
const result: Record<string, Record<string, Cost>> = {};
try {
  for (const s of sessions) {
    const peer = sessions[s.index === 0 ? 1 : 0];
    const targets = probeTargets(site, s.index, s.facts.connected, peer.facts.connected);
    let cache: ProbeCache = {};
    const measure = async (heavy: boolean): Promise<Cost> => {
      const before = { ...s.conn.stats };
      const t = performance.now();
      const out = await probeGateway(s.root, targets, { heavy, cache });
      cache = out.cache;
      const after = s.conn.stats;
      return { roundTrips: after.roundTrips - before.roundTrips, bytesIn: after.bytesIn - before.bytesIn, bytesOut: after.bytesOut - before.bytesOut, ms: Math.round(performance.now() - t) };
    };
    // sudo's first command proves the password in a longer script: not part of a tick's cost.
    await measure(false);
    cache = {};
    const first = await measure(false);
    result[s.def.name] = { first, heavy: await measure(true), light: await measure(false) };
  }
} finally {
  await closeSessions(sessions);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
