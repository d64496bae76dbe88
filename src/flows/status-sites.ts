import type { Options } from "../args.ts";
import type { Site } from "../core/site.ts";
import type { GatewaySession } from "../remote/gateways.ts";
import { snapshotSites } from "../status/sites-probe.ts";
import { judgeSitesStatus, sitesExitCode, sitesStatusJson, sitesStatusText } from "../status/sites-report.ts";

/**
 * `wgsite status` for more than two sites, once (--once, --json, no terminal): one line per pair
 * above each gateway's detail; `--site` shows the named gateways and their pairs (both ends are probed).
 */
export async function statusSites(site: Site, sessions: readonly GatewaySession[], options: Options, color: boolean, named?: ReadonlySet<string>): Promise<number> {
  const view = judgeSitesStatus(site, await snapshotSites(site, sessions));
  process.stdout.write(options.json ? `${JSON.stringify(sitesStatusJson(site, view, named), null, 2)}\n` : sitesStatusText(site, view, { color }, named));
  return sitesExitCode(view, named, site);
}
