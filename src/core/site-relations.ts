import { shown, shownKey } from "./show-value.ts";
import type { SiteFileShape } from "./site-schema.ts";
import type { Problem, SiteDef, Topology } from "./site.ts";

/** `topology:` as written: mesh (the default) or `{ hub: <site> }`, the hub one of the sites. */
export function judgeTopology(shape: SiteFileShape, problems: Problem[]): Topology | undefined {
  const raw = shape.topology;
  if (raw === undefined) return undefined;
  const fix = "use mesh (every site a peer of every other) or { hub: <site> } (the spokes reach each other through the hub)";
  if (typeof raw === "string") {
    if (raw.trim() === "mesh") return { kind: "mesh" };
    problems.push({ path: "topology", message: `${shown(raw)} is not a topology; ${fix}` });
    return undefined;
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    problems.push({ path: "topology", message: `${shown(raw)} is not a topology; ${fix}` });
    return undefined;
  }
  const keys = Object.keys(raw);
  const extra = keys.filter((k) => k !== "hub");
  if (extra.length > 0) {
    for (const key of extra) problems.push({ path: `topology.${shownKey(key)}`, message: `unknown key; ${key.length <= 5 && /^[hub]+$/i.test(key) ? 'did you mean "hub"?' : "the only key here is hub, e.g. topology: { hub: alpha }"}` });
    return undefined;
  }
  const hub = (raw as { hub?: unknown }).hub;
  if (typeof hub !== "string") {
    problems.push({ path: "topology.hub", message: `${hub === undefined ? "missing" : `${shown(hub)} is not a site name`}; name the site whose gateway forwards between the others, e.g. topology: { hub: alpha }` });
    return undefined;
  }
  const names = Object.keys(shape.sites);
  if (!names.includes(hub)) {
    problems.push({ path: "topology.hub", message: `${shown(hub)} is not one of the sites (${names.map((n) => shownKey(n)).join(", ")}); name the site whose gateway forwards between the others` });
    return undefined;
  }
  return { kind: "hub", hub };
}

/**
 * Two peers without a public address cannot reach each other: neither knows where to send the
 * first handshake. Refused for every pair that would be peers (in a mesh all pairs; around a hub
 * only the pairs with the hub, the spokes reach each other through it).
 */
export function endpointProblems(sites: readonly SiteDef[], topology: Topology | undefined): Problem[] {
  const problems: Problem[] = [];
  const hub = topology?.kind === "hub" && sites.length > 2 ? topology.hub : undefined;
  const hidden = sites.filter((s) => s.endpoint.host === undefined);
  if (hub === undefined) {
    hidden.forEach((second, b) => {
      for (const first of hidden.slice(0, b)) {
        problems.push({
          path: `sites.${shownKey(second.name)}.endpoint`,
          message: `${shownKey(first.name)} and ${shownKey(second.name)} both have endpoint: none, so neither can reach the other; give one of them its public address${sites.length > 2 ? `, or route them through a site that has one (topology: { hub: ${shownKey(sites.find((s) => s.endpoint.host !== undefined)?.name ?? "<site>")} })` : ""}`,
        });
      }
    });
  } else if (hidden.some((s) => s.name === hub)) {
    for (const spoke of hidden.filter((s) => s.name !== hub)) {
      problems.push({
        path: `sites.${shownKey(spoke.name)}.endpoint`,
        message: `${shownKey(spoke.name)} and the hub ${shownKey(hub)} both have endpoint: none, so neither can reach the other; give the hub its public address (or pick a hub that has one)`,
      });
    }
  }
  return problems;
}
