import type { Options } from "../args.ts";
import { ExitCode, ExitError } from "../core/exit-codes.ts";
import { lanHostsHeard } from "../core/lan-hosts.ts";
import type { Site } from "../core/site.ts";
import { closeSessions, openGateways, reopenGateway, toExitError, type GatewaySession, type SshOptions } from "../remote/gateways.ts";
import { nonInteractivePrompts } from "../remote/noninteractive-prompts.ts";
import type { Prompts } from "../remote/prompts.ts";
import type { ApplyEvent } from "../remote/events.ts";
import { checks } from "../status/checks.ts";
import { probeGateway } from "../status/probe.ts";
import { prometheusText, unreachableText } from "../status/prometheus.ts";
import { exitCodeOf, statusJson, statusText, type GatewayView } from "../status/report.ts";
import { sitesPrometheusText } from "../status/sites-prometheus.ts";
import { snapshotSites } from "../status/sites-probe.ts";
import { watchSitesHeadless } from "../status/sites-watch.ts";
import { judgeSitesStatus, sitesExitCode } from "../status/sites-report.ts";
import { probeTargets } from "../status/targets.ts";
import { progressLine } from "./progress-log.ts";
import { readSite } from "./read-site.ts";
import { statusSites } from "./status-sites.ts";
import { namedSites } from "../core/site-filter.ts";
import { watchHeadless } from "./status-watch.ts";

type Sessions = readonly [GatewaySession, GatewaySession];

function log(event: ApplyEvent): void {
  const line = progressLine(event);
  if (line) process.stderr.write(`${line}\n`);
}

/**
 * Opens one gateway again after its connection dropped: same target, same way to root. The facts of
 * the first round trip are kept (the status probe gathers its own every tick).
 */
export function reconnector(ssh: SshOptions, prompts: Prompts): (previous: GatewaySession) => Promise<GatewaySession> {
  return (previous) => reopenGateway(previous, ssh, prompts);
}

/** One probe of both gateways, heavy probes included, judged together (each needs the other's key). */
export async function snapshot(site: Site, sessions: Sessions): Promise<[GatewayView, GatewayView]> {
  let samples;
  try {
    samples = await Promise.all(
      sessions.map((s) => {
        const other = sessions[s.index === 0 ? 1 : 0];
        const remoteHosts = lanHostsHeard(other.facts.neighbors, other.facts.connected, site.sites[other.index].lan);
        return probeGateway(s.root, probeTargets(site, s.index, s.facts.connected, other.facts.connected, other.index, s.facts.connected6, other.facts.connected6), { heavy: true, remoteHosts });
      }),
    );
  } catch (error) {
    throw toExitError(error);
  }
  const [sa, sb] = [samples[0]!.sample, samples[1]!.sample];
  return [
    { sample: sa, checks: checks(site, 0, sa, sb) },
    { sample: sb, checks: checks(site, 1, sb, sa) },
  ];
}

const useColor = () => process.stdout.isTTY === true && (process.env.NO_COLOR ?? "") === "";

const now = () => Math.floor(Date.now() / 1000);

/**
 * `wgsite status -c FILE`: the live pane of both gateways; `--once` / `--json` / `--prometheus` (or
 * no terminal) print one snapshot instead; `--watch` keeps probing without the pane. More than two
 * sites: the same, by pair (sites-report.ts, sites-prometheus.ts, sites-watch.ts). Exit 0 when no
 * check is red, 3 when one is.
 */
export async function status(options: Options): Promise<number> {
  const site = await readSite(options.config!);
  const named = namedSites(site, options.sites);
  const ssh: SshOptions = { sshConfig: options.sshConfig, knownHosts: options.knownHosts, identity: options.identity };
  const prompts = nonInteractivePrompts(options.acceptNewHostKeys);
  // Status changes nothing on the gateways: it takes no lock, so an apply elsewhere never waits for it.
  let opened: readonly GatewaySession[];
  try {
    opened = await openGateways(site, ssh, prompts, log, { lock: false, measurePaths: false });
  } catch (error) {
    // A scrape of a gateway that cannot be reached must still say so: every one down, the error on stderr.
    if (options.prometheus) process.stdout.write(unreachableText(site, now()));
    throw error;
  }
  if (opened.length > 2) {
    let open: readonly GatewaySession[] = opened;
    try {
      if (options.watch) {
        const ended = await watchSitesHeadless({ site, sessions: opened, intervalSec: options.intervalSec, reconnect: reconnector(ssh, prompts), exitOnRed: options.exitOnRed, ...(named ? { named } : {}) }, process.stdout);
        open = ended.sessions;
        return ended.code;
      }
      if (options.prometheus) {
        const raw = await snapshotSites(site, opened);
        const view = judgeSitesStatus(site, raw);
        process.stdout.write(sitesPrometheusText(site, raw, view, now(), named));
        return sitesExitCode(view, named, site);
      }
      // --site narrows the printed report; the live pane shows every pair.
      if (!options.once && !options.json && !named && process.stdout.isTTY === true && process.stdin.isTTY === true) {
        const { watchSitesInTerminal } = await import("../ui/status/sites-pane.ts");
        const ended = await watchSitesInTerminal({ site, sessions: opened, intervalSec: options.intervalSec, reconnect: reconnector(ssh, prompts) });
        open = ended.sessions;
        return ended.code;
      }
      return await statusSites(site, opened, options, useColor(), named);
    } finally {
      await closeSessions(open);
    }
  }
  const sessions = opened as unknown as Sessions;
  let open: Sessions = sessions;
  let printed = false;
  try {
    if (options.watch) {
      const ended = await watchHeadless({ site, sessions, reconnect: reconnector(ssh, prompts), intervalSec: options.intervalSec, exitOnRed: options.exitOnRed }, process.stdout);
      open = ended.sessions;
      return ended.code;
    }
    const interactive = !options.once && !options.json && !options.prometheus && process.stdout.isTTY === true && process.stdin.isTTY === true;
    if (interactive) {
      const { watchInTerminal } = await import("../ui/status/live-pane.ts");
      const ended = await watchInTerminal({ site, sessions, reconnect: reconnector(ssh, prompts), intervalSec: options.intervalSec });
      open = ended.sessions;
      return ended.code;
    }
    const views = await snapshot(site, sessions);
    process.stdout.write(
      options.prometheus
        ? prometheusText(site, views, now())
        : options.json
          ? `${JSON.stringify(statusJson(site, views), null, 2)}\n`
          : statusText(site, views, { color: useColor() }),
    );
    printed = true;
    return exitCodeOf(views);
  } catch (error) {
    if (options.prometheus && !printed) process.stdout.write(unreachableText(site, now()));
    if (error instanceof ExitError) throw error;
    throw toExitError(error);
  } finally {
    await closeSessions(open);
  }
}
