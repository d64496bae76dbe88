import {
  checkEndpoint,
  checkInterfaceName,
  checkKeepalive,
  checkLan,
  checkPort,
  checkSiteName,
  checkSshTarget,
  checkTransferNet,
  type FieldCheck,
} from "../core/fields.ts";
import { judge, type LoadResult } from "../core/load-site.ts";
import { MAX_SITES } from "../core/site.ts";
import { defaultInterface, nextLan } from "./site-list.ts";
import type { SiteFileShape } from "../core/site-schema.ts";

/** A site's place in the file: 0 and 1 in the reference, up to MAX_SITES - 1. */
export type Side = number;

/** Answers asked once per site, keyed `name0`, `lan0`, … in the file's order. */
export type PerSiteField = "name" | "lan" | "iface" | "ssh" | "endpoint";
export const PER_SITE: readonly PerSiteField[] = ["name", "lan", "iface", "ssh", "endpoint"];

/**
 * Every answer the wizard asks for, kept as the text typed so nothing is lost going back and forth.
 * `topology`: "mesh" or "hub:<site>" (asked with more than two sites); `more`: the sites screen's
 * last choice with more than two sites (go on, add a site, remove one), never saved.
 */
export type FieldId = `${PerSiteField}${Side}` | "network" | "port" | "keepalive" | "psk" | "topology" | "more" | "savePath";

export type Answers = Readonly<Record<FieldId, string>>;

/** Parts of a site file the wizard does not ask about but keeps (from `-c FILE`). */
/** What the site file holds that the wizard does not ask about, written back as it was. */
export type Extras = {
  readonly mtu?: unknown;
  readonly network6?: string;
  readonly clampMss?: boolean;
  readonly firewall?: SiteFileShape["firewall"];
  readonly keys?: SiteFileShape["keys"];
};

/** How many sites the answers hold (`name0` … `name<n-1>`). */
export function siteCount(answers: Answers): number {
  let n = 0;
  while (answers[`name${n}`] !== undefined) n++;
  return n;
}

/** The per-site field and the site it belongs to, e.g. lan3 → ["lan", 3]. */
export function splitField(field: FieldId): readonly [PerSiteField, number] | undefined {
  const m = /^(name|lan|iface|ssh|endpoint)(\d+)$/.exec(field);
  return m ? [m[1] as PerSiteField, Number(m[2])] : undefined;
}

/** The hub named by a `topology` answer, if it names one. */
export function hubOf(answers: Answers): string | undefined {
  const t = answers.topology ?? "";
  return t.startsWith("hub:") ? t.slice(4) : undefined;
}

export const DEFAULT_ANSWERS: Answers = {
  name0: "alpha",
  name1: "beta",
  lan0: "10.10.10.0/24",
  lan1: "10.10.11.0/24",
  network: "10.10.9.0/31",
  port: "51000",
  iface0: "wgA",
  iface1: "wgB",
  keepalive: "0",
  psk: "off",
  topology: "mesh",
  more: "keep",
  ssh0: "",
  ssh1: "",
  endpoint0: "",
  endpoint1: "",
  savePath: "",
};

export function splitList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function message<T>(check: FieldCheck<T>): string | undefined {
  return check.ok ? undefined : check.message;
}

function checkLans(text: string): string | undefined {
  const lans = splitList(text);
  if (lans.length === 0) return "list the networks behind this gateway, e.g. 10.10.10.0/24 (several: separate them with commas)";
  for (const lan of lans) {
    const problem = message(checkLan(lan));
    if (problem) return problem;
  }
  return undefined;
}

const OTHER_CHECKS: Partial<Record<FieldId, (text: string, count: number) => string | undefined>> = {
  network: (t, count) => message(checkTransferNet(t, count)),
  port: (t) => message(checkPort(t)),
  keepalive: (t) => message(checkKeepalive(t)),
  savePath: (t) => (t.trim() === "" ? "name the file to save the site in, e.g. ./alpha-beta.yaml" : undefined),
};

const SITE_CHECKS: Record<PerSiteField, (text: string) => string | undefined> = {
  name: (t) => message(checkSiteName(t)),
  lan: checkLans,
  iface: (t) => message(checkInterfaceName(t)),
  ssh: (t) => message(checkSshTarget(t)),
  // `none`: a gateway behind NAT or a dynamic line, which only reaches out (the site file says the same).
  endpoint: (t) => (t.trim() === "none" ? undefined : message(checkEndpoint(t))),
};

/** The shared validators of src/core/fields.ts, one per field: the site file judges values the same way. */
function checkField(field: FieldId, text: string, count: number): string | undefined {
  const split = splitField(field);
  if (split) return SITE_CHECKS[split[0]](text);
  return OTHER_CHECKS[field]?.(text, count);
}

/** Every field of these answers, site by site first. */
export function fieldsOf(answers: Answers): FieldId[] {
  const count = siteCount(answers);
  const perSite = Array.from({ length: count }, (_, i) => PER_SITE.map((f): FieldId => `${f}${i}`)).flat();
  return [...perSite, "network", "port", "keepalive", "psk", "topology", "more", "savePath"];
}

// Stand-ins for answers not given yet, so relations between the given ones can still be judged.
const STAND_IN = { ssh: "gateway.invalid", endpoint: "gateway.invalid" };

/** The site file these answers describe; with `standIns`, unusable answers are replaced so the rest can be judged. */
export function shapeOf(answers: Answers, extras: Extras = {}, standIns = false): SiteFileShape {
  const count = siteCount(answers);
  const usable = (field: FieldId) => !standIns || checkField(field, answers[field], count) === undefined;
  const entry = (side: Side) => ({
    lan: usable(`lan${side}`) ? splitList(answers[`lan${side}`]) : [],
    endpoint: usable(`endpoint${side}`) ? answers[`endpoint${side}`].trim() : STAND_IN.endpoint,
    interface: answers[`iface${side}`],
    ssh: usable(`ssh${side}`) ? answers[`ssh${side}`].trim() : STAND_IN.ssh,
  });
  const sites: Record<string, ReturnType<typeof entry>> = {};
  for (let side = 0; side < count; side++) sites[answers[`name${side}`]] = entry(side);
  // Two sites have no topology to ask about: a hub kept from their file is written back only while it names one of them.
  const named = hubOf(answers);
  const hub = count === 2 && named !== undefined && !(named in sites) ? undefined : named;
  return {
    tunnel: {
      network: answers.network.trim(),
      ...(extras.network6 === undefined ? {} : { network6: extras.network6 }),
      port: answers.port.trim(),
      keepalive: answers.keepalive.trim(),
      ...(extras.mtu === undefined ? {} : { mtu: extras.mtu }),
      presharedKey: answers.psk === "on",
      ...(extras.clampMss === undefined ? {} : { clampMss: extras.clampMss }),
    },
    sites,
    ...(hub === undefined ? {} : { topology: { hub } }),
    ...(extras.firewall ? { firewall: extras.firewall } : {}),
    ...(extras.keys ? { keys: extras.keys } : {}),
  };
}

/** The validated site, or every problem with it. */
export function siteOf(answers: Answers, extras: Extras = {}): LoadResult {
  return judge(shapeOf(answers, extras));
}

function fieldOfPath(path: string, answers: Answers): FieldId | undefined {
  if (path.startsWith("tunnel.network")) return "network";
  if (path.startsWith("tunnel.port")) return "port";
  if (path.startsWith("tunnel.keepalive")) return "keepalive";
  if (path.startsWith("topology")) return "topology";
  const count = siteCount(answers);
  if (path === "sites") return `name${count - 1}`;
  for (let side = 0; side < count; side++) {
    const base = `sites.${answers[`name${side}`]}`;
    if (path === base) return `name${side}`;
    if (path.startsWith(`${base}.lan`)) return `lan${side}`;
    if (path.startsWith(`${base}.endpoint`)) return `endpoint${side}`;
    if (path.startsWith(`${base}.ssh`)) return `ssh${side}`;
    if (path.startsWith(`${base}.interface`)) return `iface${side}`;
  }
  return undefined;
}

/**
 * What is wrong with each answer and how to fix it: first the field's own validator, then the
 * relations judged over the whole site (overlapping networks, an SSH address the tunnel would capture).
 */
export function fieldProblems(answers: Answers, extras: Extras = {}): Partial<Record<FieldId, string>> {
  const problems: Partial<Record<FieldId, string>> = {};
  const count = siteCount(answers);
  for (const field of fieldsOf(answers)) {
    const problem = checkField(field, answers[field], count);
    if (problem) problems[field] = problem;
  }
  // The file keys sites by name: two with one name would silently become one.
  for (let side = 1; side < count; side++) {
    const field: FieldId = `name${side}`;
    const first = Array.from({ length: side }, (_, i) => i).find((i) => answers[`name${i}`] === answers[field]);
    if (first === undefined || problems[field]) continue;
    problems[field] =
      count === 2
        ? `both sites are named ${JSON.stringify(answers.name1)}; give each site its own name (e.g. alpha and beta)`
        : `site ${first + 1} is named ${JSON.stringify(answers[field])} too; give each site its own name`;
  }
  if (Array.from({ length: count }, (_, i) => problems[`name${i}`]).some(Boolean)) return problems;
  const judged = judge(shapeOf(answers, extras, true));
  if (!judged.ok) {
    for (const problem of judged.problems) {
      const field = fieldOfPath(problem.path, answers);
      if (field && !problems[field]) problems[field] = problem.message;
    }
  }
  return problems;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);

/**
 * Answers pre-filled from a site file (`wgsite -c FILE`). Tolerant: what is missing or malformed
 * keeps its default, and the validators point at it on the screen where it is asked.
 */
export function answersFromFile(raw: unknown): { readonly answers: Answers; readonly extras: Extras } {
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const root = obj(raw);
  const tunnel = obj(root.tunnel);
  const answers: Record<FieldId, string> = { ...DEFAULT_ANSWERS };
  answers.network = str(tunnel.network) ?? answers.network;
  answers.port = str(tunnel.port) ?? answers.port;
  answers.keepalive = str(tunnel.keepalive) ?? answers.keepalive;
  if (typeof tunnel.presharedKey === "boolean") answers.psk = tunnel.presharedKey ? "on" : "off";
  // Every site of the file, in its order: saving writes back all of them.
  const entries = Object.entries(obj(root.sites)).slice(0, MAX_SITES);
  entries.forEach(([name, value], side) => {
    const entry = obj(value);
    answers[`name${side}`] = name;
    const lan = Array.isArray(entry.lan) ? entry.lan.map(str).filter((s) => s !== undefined).join(", ") : str(entry.lan);
    answers[`lan${side}`] = lan ?? answers[`lan${side}`] ?? nextLan(answers, side);
    answers[`endpoint${side}`] = str(entry.endpoint) ?? "";
    answers[`ssh${side}`] = str(entry.ssh) ?? "";
    answers[`iface${side}`] = str(entry.interface) ?? answers[`iface${side}`] ?? defaultInterface(side);
  });
  const topology = root.topology;
  const hub = topology && typeof topology === "object" ? str((topology as Record<string, unknown>).hub) : undefined;
  if (hub !== undefined) answers.topology = `hub:${hub}`;
  const firewall = root.firewall === undefined ? undefined : (obj(root.firewall) as SiteFileShape["firewall"]);
  const keys = root.keys === undefined ? undefined : (obj(root.keys) as SiteFileShape["keys"]);
  const network6 = str(tunnel.network6);
  const extras: Extras = {
    ...(tunnel.mtu === undefined ? {} : { mtu: tunnel.mtu }),
    ...(network6 === undefined ? {} : { network6 }),
    ...(typeof tunnel.clampMss === "boolean" ? { clampMss: tunnel.clampMss } : {}),
    ...(firewall ? { firewall } : {}),
    ...(keys ? { keys } : {}),
  };
  return { answers, extras };
}
