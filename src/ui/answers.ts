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
import type { SiteFileShape } from "../core/site-schema.ts";

export type Side = 0 | 1;

/** Every answer the wizard asks for, kept as the text typed so nothing is lost going back and forth. */
export type FieldId =
  | `name${Side}`
  | `lan${Side}`
  | "network"
  | "port"
  | `iface${Side}`
  | "keepalive"
  | "psk"
  | `ssh${Side}`
  | `endpoint${Side}`
  | "savePath";

export type Answers = Readonly<Record<FieldId, string>>;

/** Parts of a site file the wizard does not ask about but keeps (from `-c FILE`). */
export type Extras = { readonly mtu?: unknown; readonly firewall?: SiteFileShape["firewall"] };

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

/** The shared validators of src/core/fields.ts, one per field: the site file judges values the same way. */
const FIELD_CHECKS: Record<FieldId, (text: string) => string | undefined> = {
  name0: (t) => message(checkSiteName(t)),
  name1: (t) => message(checkSiteName(t)),
  lan0: checkLans,
  lan1: checkLans,
  network: (t) => message(checkTransferNet(t)),
  port: (t) => message(checkPort(t)),
  iface0: (t) => message(checkInterfaceName(t)),
  iface1: (t) => message(checkInterfaceName(t)),
  keepalive: (t) => message(checkKeepalive(t)),
  psk: () => undefined,
  ssh0: (t) => message(checkSshTarget(t)),
  ssh1: (t) => message(checkSshTarget(t)),
  endpoint0: (t) => message(checkEndpoint(t)),
  endpoint1: (t) => message(checkEndpoint(t)),
  savePath: (t) => (t.trim() === "" ? "name the file to save the site in, e.g. ./alpha-beta.yaml" : undefined),
};

// Stand-ins for answers not given yet, so relations between the given ones can still be judged.
const STAND_IN = { ssh: "gateway.invalid", endpoint: "gateway.invalid" };

/** The site file these answers describe; with `standIns`, unusable answers are replaced so the rest can be judged. */
export function shapeOf(answers: Answers, extras: Extras = {}, standIns = false): SiteFileShape {
  const usable = (field: FieldId) => !standIns || FIELD_CHECKS[field](answers[field]) === undefined;
  const entry = (side: Side) => ({
    lan: usable(`lan${side}`) ? splitList(answers[`lan${side}`]) : [],
    endpoint: usable(`endpoint${side}`) ? answers[`endpoint${side}`].trim() : STAND_IN.endpoint,
    interface: answers[`iface${side}`],
    ssh: usable(`ssh${side}`) ? answers[`ssh${side}`].trim() : STAND_IN.ssh,
  });
  const sites: Record<string, ReturnType<typeof entry>> = {};
  sites[answers.name0] = entry(0);
  sites[answers.name1] = entry(1);
  return {
    tunnel: {
      network: answers.network.trim(),
      port: answers.port.trim(),
      keepalive: answers.keepalive.trim(),
      ...(extras.mtu === undefined ? {} : { mtu: extras.mtu }),
      presharedKey: answers.psk === "on",
    },
    sites,
    ...(extras.firewall ? { firewall: extras.firewall } : {}),
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
  if (path === "sites") return "name1";
  for (const side of [0, 1] as const) {
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
  for (const field of Object.keys(FIELD_CHECKS) as FieldId[]) {
    const problem = FIELD_CHECKS[field](answers[field]);
    if (problem) problems[field] = problem;
  }
  if (answers.name0 === answers.name1 && !problems.name1) {
    problems.name1 = `both sites are named ${JSON.stringify(answers.name1)}; give each site its own name (e.g. alpha and beta)`;
  }
  if (problems.name0 || problems.name1) return problems;
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
  Object.entries(obj(root.sites))
    .slice(0, 2)
    .forEach(([name, value], side) => {
      const entry = obj(value);
      answers[`name${side as Side}`] = name;
      const lan = Array.isArray(entry.lan) ? entry.lan.map(str).filter((s) => s !== undefined).join(", ") : str(entry.lan);
      if (lan !== undefined) answers[`lan${side as Side}`] = lan;
      answers[`endpoint${side as Side}`] = str(entry.endpoint) ?? "";
      answers[`ssh${side as Side}`] = str(entry.ssh) ?? "";
      answers[`iface${side as Side}`] = str(entry.interface) ?? answers[`iface${side as Side}`];
    });
  const firewall = root.firewall === undefined ? undefined : (obj(root.firewall) as SiteFileShape["firewall"]);
  return { answers, extras: { ...(tunnel.mtu === undefined ? {} : { mtu: tunnel.mtu }), ...(firewall ? { firewall } : {}) } };
}
