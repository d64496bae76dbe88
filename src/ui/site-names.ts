import type { Site } from "../core/site.ts";
import { defaultSiteFileName } from "../core/site-yaml.ts";

/** How the wizard names the sites in one line: `alpha <-> beta`, or `4 sites, hub alpha: alpha, beta, …`. */
export function siteTitle(site: Site): string {
  const names = site.sites.map((s) => s.name);
  if (names.length === 2) return `${names[0]} <-> ${names[1]}`;
  const shape = site.topology?.kind === "hub" ? `hub ${site.topology.hub}` : "mesh";
  return `${names.length} sites, ${shape}: ${names.join(", ")}`;
}

/** The file name the wizard suggests: `./alpha-beta.yaml`; with more sites the first and how many (`./alpha-and-3-more.yaml`). */
export function siteFileName(names: readonly string[]): string {
  if (names.length <= 2) return defaultSiteFileName(names[0] ?? "", names[1] ?? "");
  return `./${names[0]}-and-${names.length - 1}-more.yaml`;
}

/** "both" for two gateways, "all 4" for more, as the sentences of the wizard say it. */
export function allOf(count: number): string {
  return count === 2 ? "both" : `all ${count}`;
}
