import { lanHostsHeard } from "../core/lan-hosts.ts";
import type { Site } from "../core/site.ts";
import { toExitError, type GatewaySession } from "../remote/gateways.ts";
import { HeldScript, REPLY_END } from "./held-script.ts";
import { pairOutputs, pairsScript } from "./pair-output.ts";
import { parseStatus, PROBE_ENV, statusFacts } from "./probe.ts";
import type { ProbeTargets, StatusSample } from "./sample.ts";
import type { SitesGatewayView } from "./sites-report.ts";
import { probeTargets } from "./targets.ts";

type SiteTargets = readonly { site: string; t: ProbeTargets; remoteHosts: readonly string[] }[];

/** What one gateway probes toward every other site: one target each, in site order. */
function targetsOf(site: Site, s: GatewaySession, sessions: readonly GatewaySession[]): SiteTargets {
  return sessions
    .filter((other) => other.index !== s.index)
    .map((other) => ({
      site: other.def.name,
      t: probeTargets(site, s.index, s.facts.connected, other.facts.connected, other.index, s.facts.connected6, other.facts.connected6),
      remoteHosts: lanHostsHeard(other.facts.neighbors, other.facts.connected, site.sites[other.index]!.lan),
    }));
}

/** The probes toward every site, each framed by its pair marker, collected into $o. */
function sitesBody(targets: SiteTargets, heavy: boolean): string {
  const ctx = { iface: targets[0]?.t.iface ?? "", port: targets[0]?.t.port ?? 0 };
  return `o=$(\n${pairsScript(ctx, targets.map(({ site, t, remoteHosts }) => ({ site, facts: statusFacts(t, { heavy, remoteHosts }) })))}\n)`;
}

/**
 * One gateway's probes toward every other site in one round trip, each framed by its pair marker;
 * the output is collected and written once (see probe.ts, statusScript).
 */
export function sitesScript(targets: SiteTargets, heavy: boolean): string {
  return [PROBE_ENV, sitesBody(targets, heavy), `printf '%s\\n' "$o"`].join("\n");
}

/**
 * The same probes held for the pane and --watch (held-script.ts): both kinds of tick as shell
 * functions, one request line ("L" light, "H" heavy) each. The probes read /dev/null, so none of
 * them can eat the next request.
 */
export function sitesWatchScript(targets: SiteTargets): string {
  const fn = (name: string, heavy: boolean) => `${name}() {\n${sitesBody(targets, heavy)}\nprintf '%s\\n${REPLY_END}\\n' "$o"\n}`;
  return [PROBE_ENV, fn("light", false), fn("heavy", true), `while IFS=' ' read -r kind rest; do case "$kind" in L) light </dev/null ;; H) heavy </dev/null ;; *) exit 0 ;; esac; done`].join("\n");
}

/** One gateway's answer, read per site; none of them there: the probe did not run (`why` says how it ended). */
function viewOf(name: string, targets: SiteTargets, stdout: string, why: string): SitesGatewayView {
  const chunks = pairOutputs(stdout);
  const samples = new Map<string, StatusSample>();
  for (const { site: other, t } of targets) {
    const chunk = chunks.get(other);
    if (chunk?.includes("@@wgsite-fact clock")) samples.set(other, parseStatus(chunk, t).sample);
  }
  if (samples.size === 0) return { samples, error: `${name}: the status probe did not run${why}` };
  return { samples };
}

const errorView = (error: unknown): SitesGatewayView => ({ samples: new Map(), error: (toExitError(error) as Error).message });

/** Every gateway probes the path to every other site: one round trip each, all gateways in parallel. */
export async function snapshotSites(site: Site, sessions: readonly GatewaySession[], heavy = true): Promise<SitesGatewayView[]> {
  return Promise.all(
    sessions.map(async (s): Promise<SitesGatewayView> => {
      const targets = targetsOf(site, s, sessions);
      try {
        const result = await s.root.exec(sitesScript(targets, heavy), { timeoutMs: heavy ? 60_000 : 20_000 });
        return viewOf(s.def.name, targets, result.stdout, ` (exit ${result.code}): ${result.stderr.trim().split("\n")[0] ?? ""}`);
      } catch (error) {
        return errorView(error);
      }
    }),
  );
}

/** One gateway's probes toward every other site for as long as the pane or --watch runs: the script sent once. */
export class SitesProbeWatch {
  private readonly targets: SiteTargets;
  private readonly held: HeldScript;

  constructor(site: Site, private readonly session: GatewaySession, sessions: readonly GatewaySession[]) {
    this.targets = targetsOf(site, session, sessions);
    this.held = new HeldScript(session.root, sitesWatchScript(this.targets));
  }

  /** One tick; an error (the loop ended, no answer in time) is the view's, and this watch is done. */
  async tick(heavy: boolean): Promise<SitesGatewayView> {
    try {
      const text = await this.held.request(heavy ? "H\n" : "L\n", heavy ? 60_000 : 20_000);
      return viewOf(this.session.def.name, this.targets, text, `: ${text.trim().split("\n")[0] ?? ""}`);
    } catch (error) {
      return errorView(error);
    }
  }

  close(): void {
    this.held.close();
  }
}
