import type { Site } from "../core/site.ts";
import { findPeer } from "./checks.ts";
import { checkSeries, gatewaySeries, keyAgeSeries, metricFamilies, pathSeries, peerSeries, render, type Labels } from "./prometheus.ts";
import { linkOf, type SitesGatewayView, type SitesView } from "./sites-report.ts";

/** A pair's label value: both names in site order, "alpha-gamma", the same from either end. */
export function pairLabel(site: Site, i: number, j: number): string {
  const [a, b] = i < j ? [i, j] : [j, i];
  return `${site.sites[a]!.name}-${site.sites[b]!.name}`;
}

/**
 * `--prometheus` with more than two sites: the same metric names as two sites. What belongs to a
 * gateway alone (up, probe time, interface, key age, its own checks) is labelled site and interface;
 * what belongs to a path is labelled besides with peer (the other site) and pair ("alpha-gamma",
 * one value for both ends), and via (the hub) where a spoke reaches a spoke through it. A spoke
 * has one peer entry, the hub's: handshake and transfer appear on its pair with the hub only.
 * `named` (--site) keeps the named gateways' series.
 */
export function sitesPrometheusText(site: Site, raw: readonly SitesGatewayView[], view: SitesView, at: number, named?: ReadonlySet<string>): string {
  const f = metricFamilies();
  const own = (k: number) => [...(raw[k]?.samples.values() ?? [])][0];
  site.sites.forEach((self, i) => {
    if (named && !named.has(self.name)) return;
    const base: Labels = { site: self.name, interface: self.interface };
    const g = view.gateways[i];
    const first = own(i);
    const down = !g || g.error !== undefined || !first;
    f.up.series.push({ labels: base, value: down ? 0 : 1 });
    f.time.series.push({ labels: base, value: at });
    if (down) return;
    gatewaySeries(f, base, first);
    keyAgeSeries(f, base, first);
    for (const c of g.checks) if (c.pair === undefined) checkSeries(f, base, c);
    site.sites.forEach((other, j) => {
      const s = raw[i]!.samples.get(other.name);
      if (j === i || !s) return;
      const via = linkOf(site, i, j);
      // The two-site order (site, peer, interface), then the pair.
      const labels: Labels = { site: self.name, peer: other.name, interface: self.interface, pair: pairLabel(site, i, j), ...(via !== undefined ? { via: site.sites[via]!.name } : {}) };
      if (via === undefined) peerSeries(f, labels, s, findPeer(s.wg, own(j)?.wg?.publicKey, other.lan.map((l) => l.text)));
      pathSeries(f, labels, s);
      for (const c of g.checks) if (c.pair === other.name) checkSeries(f, labels, c);
    });
  });
  return render(Object.values(f));
}
