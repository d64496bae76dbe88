import type { Options } from "../args.ts";
import { lanHostsHeard } from "../core/lan-hosts.ts";
import type { Site } from "../core/site.ts";
import { toExitError, type GatewaySession } from "../remote/gateways.ts";
import { probeGateway } from "../status/probe.ts";
import type { StatusSample } from "../status/sample.ts";
import { judgeSitesStatus, sitesExitCode, sitesStatusJson, sitesStatusText, type SitesGatewayView } from "../status/sites-report.ts";
import { probeTargets } from "../status/targets.ts";

/** Every gateway probes the path to every other site, one probe after the other on its one connection. */
export async function snapshotSites(site: Site, sessions: readonly GatewaySession[]): Promise<SitesGatewayView[]> {
  return Promise.all(
    sessions.map(async (s): Promise<SitesGatewayView> => {
      const samples = new Map<string, StatusSample>();
      try {
        for (const other of sessions) {
          if (other.index === s.index) continue;
          const remoteHosts = lanHostsHeard(other.facts.neighbors, other.facts.connected, site.sites[other.index]!.lan);
          const { sample } = await probeGateway(s.root, probeTargets(site, s.index, s.facts.connected, other.facts.connected, other.index), { heavy: true, remoteHosts });
          samples.set(other.def.name, sample);
        }
        return { samples };
      } catch (error) {
        return { samples, error: (toExitError(error) as Error).message };
      }
    }),
  );
}

/**
 * `wgsite status` for more than two sites: one line per pair above each gateway's detail (the live
 * pane is for two); `--site` shows the named gateways and their pairs (both ends are probed).
 */
export async function statusSites(site: Site, sessions: readonly GatewaySession[], options: Options, color: boolean, named?: ReadonlySet<string>): Promise<number> {
  const view = judgeSitesStatus(site, await snapshotSites(site, sessions));
  process.stdout.write(options.json ? `${JSON.stringify(sitesStatusJson(site, view, named), null, 2)}\n` : sitesStatusText(site, view, { color }, named));
  return sitesExitCode(view, named, site);
}
