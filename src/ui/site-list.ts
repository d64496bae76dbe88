import { networkOfPrefix, parseCidr } from "../core/address.ts";
import { cidrsOverlap } from "../core/address.ts";
import { MAX_SITES } from "../core/site.ts";
import { transferPrefixFor } from "../core/topology.ts";
import { hubOf, PER_SITE, siteCount, splitList, type Answers, type FieldId } from "./answers.ts";

// The reference's names go on in the Greek alphabet, as examples/mesh.yaml does.
const NAMES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"];

/** wgA, wgB, … as in the reference; past Z: wg27, wg28, … */
export function defaultInterface(side: number): string {
  return side < 26 ? `wg${String.fromCharCode(65 + side)}` : `wg${side + 1}`;
}

function freeName(answers: Answers): string {
  const taken = new Set(Array.from({ length: siteCount(answers) }, (_, i) => answers[`name${i}`]));
  return NAMES.find((n) => !taken.has(n)) ?? Array.from({ length: MAX_SITES + 1 }, (_, i) => `site${i + 1}`).find((n) => !taken.has(n))!;
}

function freeInterface(answers: Answers, side: number): string {
  const taken = new Set(Array.from({ length: siteCount(answers) }, (_, i) => answers[`iface${i}`]));
  for (let i = side; ; i++) if (!taken.has(defaultInterface(i))) return defaultInterface(i);
}

/** The first 10.10.x.0/24 (from 10.10.10.0/24 on) that overlaps no LAN given and not the transfer net. */
export function nextLan(answers: Answers, side: number): string {
  const used = [...Array.from({ length: Math.min(side, siteCount(answers)) }, (_, i) => splitList(answers[`lan${i}`] ?? "")).flat(), answers.network ?? ""]
    .map((t) => parseCidr(t.trim()))
    .flatMap((p) => (p.ok ? [p.cidr] : []));
  for (let x = 10; x < 256; x++) {
    const parsed = parseCidr(`10.10.${x}.0/24`);
    if (parsed.ok && !used.some((u) => cidrsOverlap(u, parsed.cidr))) return parsed.cidr.text;
  }
  return "";
}

/**
 * The transfer net sized for `count` gateways on the same base address: a /31 for two (a /30 stays),
 * the smallest that holds them for more. A value that does not parse is left for its validator.
 */
export function transferNetFor(network: string, count: number): string {
  const parsed = parseCidr(network.trim());
  if (!parsed.ok || parsed.cidr.family !== "ipv4") return network;
  const prefix = parsed.cidr.prefix;
  if (count <= 2) return prefix === 30 || prefix === 31 ? network : networkOfPrefix(`${parsed.cidr.network.toString()}/31`)!.text;
  const needed = transferPrefixFor(count);
  return prefix <= needed ? network : networkOfPrefix(`${parsed.cidr.network.toString()}/${needed}`)!.text;
}

/** The answers with one more site at the end: a free name, LAN and interface; the transfer net grown to hold it. */
export function addSite(answers: Answers): Answers {
  const side = siteCount(answers);
  if (side >= MAX_SITES) return answers;
  const next: Record<FieldId, string> = { ...answers };
  next[`name${side}`] = freeName(answers);
  next[`lan${side}`] = nextLan(answers, side);
  next[`iface${side}`] = freeInterface(answers, side);
  next[`ssh${side}`] = "";
  next[`endpoint${side}`] = "";
  next.network = transferNetFor(answers.network, side + 1);
  return next;
}

export type Removed = { readonly answers: Answers; readonly hubRemoved: boolean };

/**
 * The answers without site `side`, the later ones moved up; at least two remain. Removing the hub
 * makes the topology a mesh (the caller says so and lets the person pick another hub).
 */
export function removeSite(answers: Answers, side: number): Removed {
  const count = siteCount(answers);
  if (count <= 2 || side < 0 || side >= count) return { answers, hubRemoved: false };
  const next: Record<FieldId, string> = { ...answers };
  for (let i = side; i < count - 1; i++) for (const f of PER_SITE) next[`${f}${i}`] = answers[`${f}${i + 1}`];
  for (const f of PER_SITE) delete next[`${f}${count - 1}`];
  const hubRemoved = hubOf(answers) === answers[`name${side}`];
  if (hubRemoved || count - 1 === 2) next.topology = "mesh";
  next.network = transferNetFor(answers.network, count - 1);
  return { answers: next, hubRemoved };
}

/** Renames the hub along with its site, so the topology keeps following it. */
export function renameHub(answers: Answers, from: string, to: string): Answers {
  return hubOf(answers) === from ? { ...answers, topology: `hub:${to}` } : answers;
}
