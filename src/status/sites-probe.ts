import { lanHostsHeard } from "../core/lan-hosts.ts";
import type { Site } from "../core/site.ts";
import { toExitError, type GatewaySession } from "../remote/gateways.ts";
import { pairOutputs, pairsScript } from "./pair-output.ts";
import { parseStatus, PROBE_ENV, statusFacts } from "./probe.ts";
import type { ProbeTargets, StatusSample } from "./sample.ts";
import type { SitesGatewayView } from "./sites-report.ts";
import { probeTargets } from "./targets.ts";

/** What one gateway probes toward every other site: one target each, in site order. */
function targetsOf(site: Site, s: GatewaySession, sessions: readonly GatewaySession[]): { site: string; t: ProbeTargets; remoteHosts: readonly string[] }[] {
  return sessions
    .filter((other) => other.index !== s.index)
    .map((other) => ({
      site: other.def.name,
      t: probeTargets(site, s.index, s.facts.connected, other.facts.connected, other.index),
      remoteHosts: lanHostsHeard(other.facts.neighbors, other.facts.connected, site.sites[other.index]!.lan),
    }));
}

/**
 * One gateway's probes toward every other site in one round trip, each framed by its pair marker;
 * the output is collected and written once (see probe.ts, statusScript).
 */
export function sitesScript(targets: readonly { site: string; t: ProbeTargets; remoteHosts: readonly string[] }[], heavy: boolean): string {
  const ctx = { iface: targets[0]?.t.iface ?? "", port: targets[0]?.t.port ?? 0 };
  const body = pairsScript(ctx, targets.map(({ site, t, remoteHosts }) => ({ site, facts: statusFacts(t, { heavy, remoteHosts }) })));
  return [PROBE_ENV, `o=$(\n${body}\n)`, `printf '%s\\n' "$o"`].join("\n");
}

/** Scripts already made: the pane and --watch send the same one every tick, and making it costs more than parsing the answer. */
const made = new Map<string, string>();

function scriptFor(targets: readonly { site: string; t: ProbeTargets; remoteHosts: readonly string[] }[], heavy: boolean): string {
  const key = `${heavy ? "H" : "L"}${JSON.stringify(targets)}`;
  let script = made.get(key);
  if (script === undefined) {
    if (made.size >= 256) made.clear();
    script = sitesScript(targets, heavy);
    made.set(key, script);
  }
  return script;
}

/** Every gateway probes the path to every other site: one round trip each, all gateways in parallel. */
export async function snapshotSites(site: Site, sessions: readonly GatewaySession[], heavy = true): Promise<SitesGatewayView[]> {
  return Promise.all(
    sessions.map(async (s): Promise<SitesGatewayView> => {
      const targets = targetsOf(site, s, sessions);
      try {
        const result = await s.root.exec(scriptFor(targets, heavy), { timeoutMs: heavy ? 60_000 : 20_000 });
        const chunks = pairOutputs(result.stdout);
        const samples = new Map<string, StatusSample>();
        for (const { site: name, t } of targets) {
          const chunk = chunks.get(name);
          if (chunk?.includes("@@wgsite-fact clock")) samples.set(name, parseStatus(chunk, t).sample);
        }
        if (samples.size === 0) return { samples, error: `${s.def.name}: the status probe did not run (exit ${result.code}): ${result.stderr.trim().split("\n")[0] ?? ""}` };
        return { samples };
      } catch (error) {
        return { samples: new Map(), error: (toExitError(error) as Error).message };
      }
    }),
  );
}
