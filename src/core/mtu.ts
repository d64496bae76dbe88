import type { HostFacts, PathMtuProbe } from "./host-facts.ts";
import { lanLinks } from "./field-fixes.ts";
import type { Site } from "./site.ts";
import { hubIndex, linked } from "./topology.ts";

/** What WireGuard adds to each packet: the outer IP header, UDP (8) and its own header and tag (32). */
export const WG_OVERHEAD = { ipv4: 60, ipv6: 80 } as const;

/** wg-quick's own choice: the MTU of the route to the endpoint minus 80, whatever the family. */
const WG_QUICK_OVERHEAD = 80;

/** A running MTU that still fits and is this close to the measured one is kept: a rerun does not restart over a few bytes of noise. */
const KEEP_WITHIN = 40;

export type MtuChoice = {
  /** The config's `MTU =`; undefined leaves it to wg-quick. */
  readonly mtu?: number;
  /** TCP MSS clamped to the tunnel's MTU for LAN hosts that do not learn the path MTU. */
  readonly clampMss: boolean;
  /** What was measured and why this was chosen, as the plan shows it. */
  readonly note?: string;
};

export function tunnelMtuFor(pathMtu: number, family: keyof typeof WG_OVERHEAD): number {
  return pathMtu - WG_OVERHEAD[family];
}

/** The `MTU =` of a config, if it has one. */
export function configMtu(config: string | undefined): number | undefined {
  const m = config ? /^MTU\s*=\s*(\d+)\s*$/m.exec(config) : null;
  return m ? Number(m[1]) : undefined;
}

/** The largest MTU of the interfaces carrying this gateway's LANs (1500 when the facts do not tell). */
function lanMtu(site: Site, index: number, facts: HostFacts | undefined): number {
  const mtus = facts ? lanLinks(site.sites[index]!.lan, facts).map((l) => (l.dev ? facts.pathMtu?.linkMtus[l.dev] : undefined)) : [];
  const known = mtus.filter((m): m is number => m !== undefined);
  return known.length > 0 ? Math.max(...known) : 1500;
}

type Measured = PathMtuProbe & { readonly pathMtu: number; readonly from: string };

const both = (probes: readonly Measured[]) => probes.map((p) => `${p.from} -> ${p.target}: ${p.pathMtu}`).join(", ");

/**
 * The pairs whose paths gateway `index`'s packets take: its own peers' both ways; around a hub,
 * every pair, as spoke-to-spoke traffic crosses two of them.
 */
function pathsOf(site: Site, index: number): [number, number][] {
  const n = site.sites.length;
  const pairs: [number, number][] = [];
  const hub = hubIndex(site);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      if (a === b || !linked(site, a, b)) continue;
      if (hub !== undefined || a === index || b === index) pairs.push([a, b]);
    }
  }
  return pairs;
}

function measuredPaths(site: Site, index: number, facts: readonly (HostFacts | undefined)[] | undefined): Measured[] {
  return pathsOf(site, index).flatMap(([from, to]) => {
    const host = site.sites[to]!.endpoint.host;
    const probe = host === undefined ? undefined : facts?.[from]?.pathMtu?.probes[host];
    return probe?.pathMtu === undefined ? [] : [{ ...probe, pathMtu: probe.pathMtu, from: site.sites[from]!.name }];
  });
}

/**
 * The tunnel MTU for gateway `index`: the narrowest measured path MTU of its paths, both
 * directions, minus WireGuard's overhead (the same on both ends of a pair), unless the site file
 * pins `tunnel.mtu`. Where wg-quick's own choice already fits, the config leaves the MTU to it.
 * MSS clamping is on by default where the path is narrower than the LANs.
 */
export function chooseMtu(site: Site, index: number, facts: readonly (HostFacts | undefined)[] | undefined): MtuChoice {
  const self = facts?.[index];
  const pinned = site.tunnel.mtu;
  const probes = measuredPaths(site, index, facts);
  const ownProbes = Object.values(self?.pathMtu?.probes ?? {});
  if (probes.length === 0) {
    const clampMss = site.tunnel.clampMss === true;
    if (!self) return { ...(pinned === undefined ? {} : { mtu: pinned }), clampMss };
    const why = ownProbes.length > 0 ? `${ownProbes.map((p) => p.target).join(", ")} ${ownProbes.length === 1 ? "does" : "do"} not answer don't-fragment pings` : "no peer endpoint has an address or route here";
    return { ...(pinned === undefined ? {} : { mtu: pinned }), clampMss, note: `path MTU not measured (${why}): ${pinned === undefined ? "wg-quick picks the MTU" : `tunnel.mtu pins ${pinned}`}` };
  }
  const path = Math.min(...probes.map((p) => p.pathMtu));
  const family = probes.some((p) => p.family === "ipv6") ? "ipv6" : "ipv4";
  const fits = tunnelMtuFor(path, family);
  const lan = lanMtu(site, index, self);
  const narrower = path < lan;
  const clampMss = site.tunnel.clampMss ?? narrower;
  const clampWhy = site.tunnel.clampMss !== undefined ? `tunnel.clampMss: ${site.tunnel.clampMss}` : narrower ? `MSS clamped: the path is narrower than the LAN (${lan})` : "no MSS clamping: the path is as wide as the LAN";
  const measured = `path MTU measured ${both(probes)}`;
  if (pinned !== undefined) {
    const warn = pinned > fits ? ` (more than the ${fits} the path carries: big packets will be lost)` : "";
    return { mtu: pinned, clampMss, note: `${measured}; tunnel.mtu pins ${pinned}${warn}; ${clampWhy}` };
  }
  // wg-quick takes the largest MTU of the routes to the peers' endpoints.
  const wgQuick = ownProbes.length > 0 ? Math.max(...ownProbes.map((p) => p.linkMtu)) - WG_QUICK_OVERHEAD : undefined;
  if (wgQuick !== undefined && wgQuick <= fits) return { clampMss, note: `${measured}; wg-quick's own ${wgQuick} fits (${path} - ${WG_OVERHEAD[family]} = ${fits}); ${clampWhy}` };
  const running = configMtu(self?.existingConfig);
  if (running !== undefined && running <= fits && fits - running <= KEEP_WITHIN) {
    return { mtu: running, clampMss, note: `${measured}; keeps the running MTU ${running}, which fits (${path} - ${WG_OVERHEAD[family]} = ${fits}); ${clampWhy}` };
  }
  return { mtu: fits, clampMss, note: `${measured}; MTU ${fits} = ${path} - ${WG_OVERHEAD[family]} (WireGuard over ${family === "ipv4" ? "IPv4" : "IPv6"})${wgQuick === undefined ? "" : `, below wg-quick's own ${wgQuick}`}; ${clampWhy}` };
}
