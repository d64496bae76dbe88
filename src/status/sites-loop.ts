import type { Site } from "../core/site.ts";
import type { GatewaySession } from "../remote/gateways.ts";
import type { StatusSample } from "./sample.ts";
import { SitesProbeWatch } from "./sites-probe.ts";
import { judgeSitesStatus, type SitesGatewayView, type SitesView } from "./sites-report.ts";

export type SitesLoopSettings = {
  readonly site: Site;
  readonly sessions: readonly GatewaySession[];
  readonly intervalSec: number;
  /** The slow probes (path MTU, latency) every this many ticks, and on refresh. */
  readonly heavyEvery?: number;
  /** Opens a gateway again after its connection dropped. */
  readonly reconnect?: (previous: GatewaySession) => Promise<GatewaySession>;
};

export type SitesTick = { readonly raw: readonly SitesGatewayView[]; readonly view: SitesView; readonly tick: number };

export type SitesLoop = {
  /** The slow probes on the next tick. */
  refresh(): void;
  stop(): void;
  /** The sessions in use (a reconnect replaces one): the caller closes them. */
  sessions(): GatewaySession[];
};

/** A light tick keeps the latest slow measurements of each pair. */
function keepHeavy(previous: readonly SitesGatewayView[] | undefined, next: readonly SitesGatewayView[]): SitesGatewayView[] {
  return next.map((g, i) => {
    const before = previous?.[i]?.samples;
    if (!before) return g;
    const samples = new Map<string, StatusSample>();
    for (const [name, s] of g.samples) samples.set(name, s.heavy || !before.get(name)?.heavy ? s : { ...s, heavy: before.get(name)!.heavy! });
    return { ...g, samples };
  });
}

/**
 * More than two sites, probed for as long as someone watches (the pane, --watch): every gateway
 * toward every other site once per tick (one request line each on a held script, all in parallel),
 * then judged; the next tick `intervalSec` after this one ended. A gateway that dropped is opened
 * again for the next, with a new script.
 */
export function startSitesLoop(settings: SitesLoopSettings, onTick: (tick: SitesTick) => void): SitesLoop {
  const sessions = [...settings.sessions];
  const heavyEvery = settings.heavyEvery ?? 10;
  let raw: SitesGatewayView[] | undefined;
  let count = 0;
  let stopped = false;
  let heavyNext = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watches: (SitesProbeWatch | undefined)[] = sessions.map(() => undefined);
  const drop = (i: number) => {
    watches[i]?.close();
    watches[i] = undefined;
  };

  const tick = async () => {
    if (stopped) return;
    const heavy = heavyNext || count % heavyEvery === 0;
    heavyNext = false;
    const fresh = await Promise.all(sessions.map((s, i) => (watches[i] ??= new SitesProbeWatch(settings.site, s, sessions)).tick(heavy)));
    const views = keepHeavy(raw, fresh);
    if (stopped) return;
    raw = views;
    count++;
    onTick({ raw: views, view: judgeSitesStatus(settings.site, views), tick: count });
    if (stopped) return;
    await Promise.all(
      views.map(async (v, i) => {
        if (!v.error) return;
        drop(i);
        if (!settings.reconnect) return;
        try {
          sessions[i] = await settings.reconnect(sessions[i]!);
        } catch {}
      }),
    );
    if (!stopped) timer = setTimeout(() => void tick(), settings.intervalSec * 1000);
  };
  void tick();

  return {
    refresh: () => {
      heavyNext = true;
    },
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      sessions.forEach((_, i) => drop(i));
    },
    sessions: () => sessions,
  };
}
