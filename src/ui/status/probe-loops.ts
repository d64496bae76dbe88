import type { GatewaySession } from "../../remote/gateways.ts";
import type { ProbeCache } from "../../status/probe.ts";
import type { ProbeTargets, StatusSample } from "../../status/sample.ts";
import { probeTargets } from "../../status/targets.ts";
import { ProbeWatch } from "../../status/watch.ts";
import type { HostFacts } from "../../core/host-facts.ts";
import { lanHostsHeard } from "../../core/lan-hosts.ts";
import type { Site } from "../../core/site.ts";
import type { StatusEvent } from "./state.ts";

export type Sessions = readonly [GatewaySession, GatewaySession];

export type ProbeSettings = {
  readonly site: Site;
  /** Already open; the pane probes them until it unmounts. */
  readonly sessions: Sessions;
  /** Opens the gateway again after its connection dropped (reboot, network). */
  readonly reconnect: (previous: GatewaySession) => Promise<GatewaySession>;
  readonly intervalSec: number;
  /** The heavy probes (path MTU, 10 pings) run on the first tick, every this many ticks, and on refresh. */
  readonly heavyEvery?: number;
  /** Milliseconds to wait before reconnect attempt n (1-based). */
  readonly backoffMs?: (attempt: number) => number;
};

/** 1, 2, 4, 8, 16, then every 30 seconds. */
export function defaultBackoff(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** (attempt - 1));
}

/** About every 30 seconds, at least every tick when the interval is long. */
export function heavyEveryFor(intervalSec: number): number {
  return Math.max(1, Math.round(30 / intervalSec));
}

export type ProbeLoops = {
  /** Probe both gateways now, heavy probes included; also cuts a reconnect wait short. */
  readonly refresh: () => void;
  /** The sessions in use now (a reconnect replaces one). */
  readonly sessions: () => Sessions;
  /** Ends both loops; the sessions stay open for the caller to close. */
  readonly stop: () => void;
};

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0]!;

/**
 * The pane's effects in one place: a loop per gateway that asks the gateway's probe loop
 * (watch.ts, one command over the held connection) for one tick per interval, hands what it learned
 * to `dispatch`, and on a failure closes the connection and reconnects with backoff. Nothing here
 * throws: every failure becomes an event. live-pane.ts runs them and owns the state.
 */
export function startProbeLoops(settings: ProbeSettings, dispatch: (event: StatusEvent) => void): ProbeLoops {
  const sessions: [GatewaySession, GatewaySession] = [settings.sessions[0], settings.sessions[1]];
  const wakers = new Set<() => void>();
  let heavyWanted: [boolean, boolean] = [true, true];
  let stopped = false;
  const { site, reconnect, intervalSec } = settings;
  const heavyEvery = settings.heavyEvery ?? heavyEveryFor(intervalSec);
  const backoff = settings.backoffMs ?? defaultBackoff;
  const caches: [ProbeCache, ProbeCache] = [{}, {}];
  // One long-lived probe command per gateway (watch.ts), opened again when its targets change.
  const watches: [ProbeWatch | undefined, ProbeWatch | undefined] = [undefined, undefined];
  const watchFor = (i: 0 | 1, targets: ProbeTargets): ProbeWatch => {
    const open = watches[i];
    if (open && open.targets === targets) return open;
    open?.close();
    return (watches[i] = new ProbeWatch(sessions[i].root, targets));
  };
  const dropWatch = (i: 0 | 1) => {
    watches[i]?.close();
    watches[i] = undefined;
  };
  const latest: [StatusSample | undefined, StatusSample | undefined] = [undefined, undefined];
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakers.add(done);
    });
  const addresses = (i: 0 | 1) => latest[i]?.addresses ?? sessions[i].facts.connected;
  // Hosts each gateway heard on its LAN: from the facts when connected, then from each full probe.
  const heard: [HostFacts["neighbors"], HostFacts["neighbors"]] = [sessions[0].facts.neighbors, sessions[1].facts.neighbors];
  const hostsFor = (i: 0 | 1): string[] => {
    const o = i === 0 ? 1 : 0;
    return lanHostsHeard(heard[o], addresses(o), site.sites[o].lan);
  };
  // The targets follow the gateways' addresses, which rarely change: worked out again only then.
  const targetCache: [{ key: string; targets: ProbeTargets } | undefined, { key: string; targets: ProbeTargets } | undefined] = [undefined, undefined];
  const targetsOf = (i: 0 | 1): ProbeTargets => {
    const [own, peer] = [addresses(i), addresses(i === 0 ? 1 : 0)];
    const key = JSON.stringify([own, peer]);
    const cached = targetCache[i];
    if (cached?.key === key) return cached.targets;
    const fresh = probeTargets(site, i, own, peer, i === 0 ? 1 : 0, sessions[i].facts.connected6, sessions[i === 0 ? 1 : 0].facts.connected6);
    // The same targets keep the same object, so the probe loop on the gateway keeps running.
    const targets = cached && JSON.stringify(cached.targets) === JSON.stringify(fresh) ? cached.targets : fresh;
    targetCache[i] = { key, targets };
    return targets;
  };
  // Both gateways' results of a tick are dispatched together, so a tick costs one render, not four.
  const pending: StatusEvent[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  const enqueue = (event: StatusEvent) => {
    pending.push(event);
    flushTimer ??= setTimeout(() => {
      flushTimer = undefined;
      if (!stopped) for (const e of pending.splice(0)) dispatch(e);
    }, 120);
  };

  async function reconnectLoop(i: 0 | 1, first: unknown): Promise<void> {
    let error = first;
    void sessions[i].conn.close().catch(() => undefined);
    for (let attempt = 1; !stopped; attempt++) {
      const wait = backoff(attempt);
      dispatch({ type: "lost", index: i, error: message(error), attempt, retryInMs: wait });
      await pause(wait);
      if (stopped) return;
      try {
        const fresh = await reconnect(sessions[i]);
        if (stopped) {
          void fresh.conn.close().catch(() => undefined);
          return;
        }
        sessions[i] = fresh;
        heard[i] = fresh.facts.neighbors ?? heard[i];
        dispatch({ type: "reconnected", index: i });
        return;
      } catch (e) {
        error = e;
      }
    }
  }

  async function loop(i: 0 | 1): Promise<void> {
    for (let tick = 0; !stopped; tick++) {
      const heavy = heavyWanted[i] || tick % heavyEvery === 0;
      heavyWanted[i] = false;
      const started = Date.now();
      enqueue({ type: "probe-started", index: i, heavy });
      try {
        const { sample, cache } = await watchFor(i, targetsOf(i)).tick(heavy, caches[i], heavy ? 30_000 : 15_000, heavy ? hostsFor(i) : []);
        if (stopped) return;
        caches[i] = cache;
        latest[i] = sample;
        if (sample.heavy?.neighbors) heard[i] = sample.heavy.neighbors;
        enqueue({ type: "sampled", index: i, sample, at: Date.now() });
        await pause(Math.max(0, intervalSec * 1000 - (Date.now() - started)));
      } catch (error) {
        dropWatch(i);
        if (stopped) return;
        caches[i] = {};
        await reconnectLoop(i, error);
        heavyWanted[i] = true;
      }
    }
  }

  void loop(0).catch(() => undefined);
  void loop(1).catch(() => undefined);
  return {
    refresh: () => {
      heavyWanted = [true, true];
      for (const wake of [...wakers]) wake();
    },
    sessions: () => sessions,
    stop: () => {
      stopped = true;
      if (flushTimer) clearTimeout(flushTimer);
      dropWatch(0);
      dropWatch(1);
      for (const wake of [...wakers]) wake();
    },
  };
}
