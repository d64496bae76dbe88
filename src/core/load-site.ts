import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type YAMLError } from "yaml";
import type { z } from "zod";
import { cidrContains, cidrsOverlap, parseAddress, type Cidr } from "./address.ts";
import {
  checkEndpoint,
  checkInterfaceName,
  checkKeepalive,
  checkLan,
  checkMaxAgeDays, checkMtu,
  checkPort,
  checkProto,
  checkSiteName,
  checkSshTarget,
  checkTransferNet,
  checkTransferNet6,
  type FieldCheck,
} from "./fields.ts";
import { shown, shownKey } from "./show-value.ts";
import { EXAMPLES, KNOWN_KEYS, siteFileSchema, type SiteFileShape } from "./site-schema.ts";
import { DEFAULT_INTERFACE, DEFAULT_PORT, MAX_SITES, SITE_LIMITS, type BlockRule, type Problem, type Site, type SiteDef, type Topology } from "./site.ts";
import { endpointProblems, judgeTopology } from "./site-relations.ts";

export type LoadResult = { readonly ok: true; readonly site: Site } | { readonly ok: false; readonly problems: readonly Problem[] };

function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? shownKey(String(part)) : `.${shownKey(String(part))}`;
  return out;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

const own = <T>(table: Record<string, T>, key: unknown): T | undefined => (typeof key === "string" && Object.hasOwn(table, key) ? table[key] : undefined);

function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return KNOWN_KEYS[""]!;
  if (path[0] === "sites" && path.length === 2) return KNOWN_KEYS.site!;
  if (path[0] === "firewall" && path[1] === "block" && path.length === 3) return KNOWN_KEYS.block!;
  return own(KNOWN_KEYS, path[0]) ?? [];
}

function shapeProblems(issues: readonly z.core.$ZodIssue[]): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const last = issue.path[issue.path.length - 1];
    const example = own(EXAMPLES, last);
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(issue.path);
      for (const key of issue.keys) {
        // Typos are short; a long key is no typo, and comparing it would cost time for nothing.
        const near = key.length > 40 ? undefined : [...known].sort((a, b) => distance(a, key) - distance(b, key)).find((k) => distance(k, key) <= 2);
        problems.push({
          path: pathText([...issue.path, key]),
          message: `unknown key${near ? `; did you mean "${near}"?` : `; remove it (allowed here: ${known.join(", ")})`}`,
        });
      }
    } else if ((issue.code === "invalid_type" || issue.code === "invalid_union") && issue.input === undefined) {
      problems.push({ path: pathText(issue.path), message: `missing; add it${example ? `, e.g. ${example}` : ""}` });
    } else if (issue.code === "invalid_type" || issue.code === "invalid_union") {
      const expected = issue.code === "invalid_type" ? issue.expected : "a string or a list of strings";
      problems.push({
        path: pathText(issue.path),
        message: `expected ${expected}, got ${describe((issue as { input?: unknown }).input)}${example ? `; e.g. ${example}` : ""}`,
      });
    } else {
      problems.push({ path: pathText(issue.path), message: `is not valid here${example ? `; e.g. ${example}` : ""}` });
    }
  }
  return problems;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${typeof value === "string" ? shown(value) : String(value)}`;
}

/** YAML's own errors in wgsite's words: the library's wording names its API, not the fix. */
const YAML_ERRORS: Record<string, string> = {
  BAD_INDENT: "the indentation does not line up; indent each level by the same number of spaces",
  TAB_AS_INDENT: "a tab is used for indentation; YAML indents with spaces only",
  MISSING_CHAR: "a bracket, brace or quote is not closed; close it",
  BAD_DQ_ESCAPE: "a backslash escape in a double-quoted string is not valid; use single quotes or escape the backslash",
  MULTILINE_IMPLICIT_KEY: "a key runs over more than one line; put the key and its colon on one line",
  KEY_OVER_1024_CHARS: "a key is longer than 1024 characters; use one of the field names",
  BLOCK_AS_IMPLICIT_KEY: "a nested block is used as a key; keys are field names",
  BLOCK_IN_FLOW: "a block (indented) value is inside [...] or {...}; write it inline or drop the brackets",
  MULTIPLE_ANCHORS: "a value has more than one anchor (&name); remove them",
  MULTIPLE_TAGS: "a value has more than one tag (!tag); remove them",
  BAD_PROP_ORDER: "an anchor or tag is in the wrong place; remove it",
  BAD_SCALAR_START: "a value starts with a character YAML reserves (@ or `); quote the value",
  BAD_DIRECTIVE: "a % directive is not valid; remove it",
  BAD_ALIAS: "an alias (*name) is not valid; write the value out",
  ALIAS_PROPS: "an alias (*name) carries a tag or anchor; write the value out",
  DUPLICATE_KEY: "a key appears twice in the same mapping; keep one",
  UNEXPECTED_TOKEN: "there is text YAML cannot place here; check the colons, dashes and quotes",
  RESOURCE_EXHAUSTION: "the file nests or repeats more than YAML allows; a site file has a few dozen lines",
};

function yamlProblem(error: YAMLError, lines: LineCounter): Problem {
  const pos = lines.linePos(error.pos[0]);
  const path = `line ${pos.line}, column ${pos.col}`;
  return { path, message: `${own(YAML_ERRORS, error.code) ?? "this is not valid YAML"}; fix the YAML syntax there` };
}

/** Counts what makes a YAML parser work hard, before it runs: it spends microseconds per token. */
function sizeProblem(text: string): Problem | undefined {
  let lines = 1;
  let structure = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) lines++;
    // [ ] { } , : - ? & * !
    else if (c === 91 || c === 93 || c === 123 || c === 125 || c === 44 || c === 58 || c === 45 || c === 63 || c === 38 || c === 42 || c === 33) structure++;
  }
  const { lines: maxLines, structure: maxStructure } = SITE_LIMITS;
  if (lines > maxLines) return { path: "", message: `the site file has ${lines} lines, more than the ${maxLines} wgsite reads; a site file has a few dozen (start from examples/alpha-beta.yaml)` };
  if (structure > maxStructure) {
    return { path: "", message: `the site file has ${structure} of the characters [ ] { } , : - ? & * ! that build YAML structure, more than the ${maxStructure} wgsite reads; a site file has a few hundred` };
  }
  return undefined;
}

/**
 * What YAML allows but a site file has no use for, found on the syntax tree before it becomes values:
 * aliases (billion laughs, undefined anchors), tags, keys that are not plain names or repeat
 * (checked with a set: the YAML library's own check is quadratic), and keys JavaScript objects treat
 * as their prototype.
 */
function treeProblems(doc: Document.Parsed, lines: LineCounter): Problem[] {
  const problems: Problem[] = [];
  const at = (node: { range?: readonly number[] | null } | null | undefined, fallback: string) => {
    const offset = node?.range?.[0];
    if (offset === undefined) return fallback;
    const pos = lines.linePos(offset);
    return `line ${pos.line}, column ${pos.col}`;
  };
  const aliases = new Set<string>();
  const stack: { node: unknown; path: PropertyKey[] }[] = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    const where = pathText(path);
    if (isAlias(node)) {
      if (aliases.has(node.source)) continue;
      aliases.add(node.source);
      problems.push({ path: at(node, where), message: `an alias (*${shownKey(String(node.source))}) is not used in a site file; write the value out where it is needed` });
      continue;
    }
    if ((isScalar(node) || isMap(node) || isSeq(node)) && node.tag) {
      problems.push({ path: at(node, where), message: `a tag (${shown(node.tag.replace(/^tag:yaml\.org,2002:/, "!!"))}) is not used in a site file; remove it` });
    }
    if (isSeq(node)) node.items.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
    if (!isMap(node)) continue;
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key;
      if (!isScalar(key) || key.value === null || typeof key.value === "object") {
        problems.push({ path: at(isScalar(key) || isMap(key) || isSeq(key) ? key : undefined, where), message: "a key must be a field name (a plain word); write `name: value`" });
        continue;
      }
      const name = String(key.value);
      if (name === "__proto__") {
        problems.push({ path: at(key, where), message: `${pathText([...path, name])} is a name JavaScript reserves; rename it` });
        continue;
      }
      if (seen.has(name)) {
        problems.push({ path: at(key, where), message: `${pathText([...path, name])} appears twice; keep one` });
        continue;
      }
      seen.add(name);
      stack.push({ node: pair.value, path: [...path, name] });
    }
  }
  return problems;
}

/**
 * The YAML stage alone: the file's values, or why it is no usable YAML. The wizard pre-fills from
 * these values even where they are wrong; loadSite goes on to judge them.
 */
export function parseSiteYaml(text: string): { readonly ok: true; readonly raw: unknown } | { readonly ok: false; readonly problems: readonly Problem[] } {
  const tooBig = sizeProblem(text);
  if (tooBig) return { ok: false, problems: [tooBig] };
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false, logLevel: "silent", prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  if (list.length > 1) {
    const pos = lines.linePos(list[1]!.range[0]);
    return { ok: false, problems: [{ path: `line ${pos.line}`, message: "a second YAML document starts here (after ---); a site file is one document, so remove it or split the file" }] };
  }
  const doc = list[0];
  if (!doc || doc.contents === null) return { ok: true, raw: null };
  if (doc.errors.length > 0) return { ok: false, problems: doc.errors.map((e) => yamlProblem(e, lines)) };
  const tree = treeProblems(doc, lines);
  if (tree.length > 0) return { ok: false, problems: tree };
  try {
    return { ok: true, raw: doc.toJS({ maxAliasCount: 0 }) };
  } catch {
    return { ok: false, problems: [{ path: "", message: "the file could not be read as YAML values; start from examples/alpha-beta.yaml" }] };
  }
}

/** Parses and judges a site file; every problem is reported, not only the first. */
export function loadSite(text: string): LoadResult {
  const parsed = parseSiteYaml(text);
  if (!parsed.ok) return parsed;
  const { raw } = parsed;
  if (raw === null || raw === undefined) return { ok: false, problems: [{ path: "", message: "the site file is empty; start from examples/alpha-beta.yaml" }] };
  const shape = siteFileSchema.safeParse(raw, { reportInput: true });
  if (shape.success) return judge(shape.data);
  // Values are still judged where the shape allows, so one run lists every problem.
  const judged = judge(loosen(raw));
  const problems = shapeProblems(shape.error.issues);
  const seen = new Set(problems.map((p) => p.path));
  const covered = (path: string) => {
    // A problem under a path already reported (sites.a.lan[0] under sites.a.lan) adds nothing.
    for (let cut = path.length; cut > 0; cut--) if (seen.has(path.slice(0, cut))) return true;
    return false;
  };
  if (!judged.ok) problems.push(...judged.problems.filter((p) => !covered(p.path)));
  return { ok: false, problems };
}

/** Keeps only the parts of a malformed file whose types are right, so their values can be judged too. */
function loosen(raw: unknown): SiteFileShape {
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const str = (v: unknown): string => (typeof v === "string" ? v : "");
  const root = obj(raw);
  const tunnel = obj(root.tunnel);
  const sites: SiteFileShape["sites"] = Object.create(null) as SiteFileShape["sites"];
  for (const [name, value] of Object.entries(obj(root.sites))) {
    if (name === "__proto__") continue;
    const entry = obj(value);
    const lan = Array.isArray(entry.lan) ? entry.lan.filter((x): x is string => typeof x === "string") : typeof entry.lan === "string" ? entry.lan : [];
    sites[name] = { lan, endpoint: str(entry.endpoint), ssh: str(entry.ssh), ...(typeof entry.interface === "string" ? { interface: entry.interface } : {}) };
  }
  const firewall = obj(root.firewall);
  return {
    ...(root.tunnel === undefined ? {} : { tunnel: { ...tunnel, network: str(tunnel.network), ...(tunnel.network6 === undefined ? {} : { network6: str(tunnel.network6) }), presharedKey: tunnel.presharedKey === true } }),
    sites,
    ...(root.topology === undefined ? {} : { topology: root.topology }),
    firewall: { block: Array.isArray(firewall.block) ? firewall.block.map((b) => ({ ...obj(b), proto: str(obj(b).proto) })) : [] },
    ...(root.keys === undefined ? {} : { keys: obj(root.keys) }),
  };
}

function take<T>(problems: Problem[], path: string, check: FieldCheck<T>): T | undefined {
  if (check.ok) return check.value;
  problems.push({ path, message: check.message });
  return undefined;
}

/** Judges each value, then the relations between them (overlaps, addresses the tunnel would capture). */
export function judge(shape: SiteFileShape): LoadResult {
  const problems: Problem[] = [];
  const tunnel = shape.tunnel;
  if (!tunnel) problems.push({ path: "tunnel", message: `missing; add it, e.g. ${EXAMPLES.tunnel}` });
  const count = Object.keys(shape.sites).length;
  const network = tunnel ? take(problems, "tunnel.network", checkTransferNet(tunnel.network, Math.min(Math.max(count, 2), MAX_SITES))) : undefined;
  const network6 = tunnel?.network6 === undefined ? undefined : take(problems, "tunnel.network6", checkTransferNet6(tunnel.network6, Math.min(Math.max(count, 2), MAX_SITES)));
  if (network?.family === "ipv6" && network6) problems.push({ path: "tunnel.network6", message: `tunnel.network ${network.text} is IPv6 already; give tunnel.network an IPv4 /31 to have both, or drop tunnel.network6` });
  const port = tunnel?.port === undefined ? DEFAULT_PORT : take(problems, "tunnel.port", checkPort(tunnel.port));
  const keepalive = tunnel?.keepalive === undefined ? 0 : take(problems, "tunnel.keepalive", checkKeepalive(tunnel.keepalive));
  const mtu = tunnel?.mtu === undefined ? undefined : take(problems, "tunnel.mtu", checkMtu(tunnel.mtu));
  const maxAgeDays = shape.keys?.maxAgeDays === undefined ? undefined : take(problems, "keys.maxAgeDays", checkMaxAgeDays(shape.keys.maxAgeDays));

  const names = Object.keys(shape.sites);
  if (names.length < 2) {
    problems.push({
      path: "sites",
      message: `has ${names.length} site${names.length === 1 ? "" : "s"}; a site-to-site tunnel joins at least two (e.g. alpha and beta)`,
    });
  } else if (names.length > MAX_SITES) {
    problems.push({ path: "sites", message: `has ${names.length} sites; wgsite joins at most ${MAX_SITES} (split the file into groups joined through a hub)` });
  }
  const topology: Topology | undefined = judgeTopology(shape, problems);
  const sites: SiteDef[] = [];
  for (const name of names) {
    const entry = shape.sites[name]!;
    const base = `sites.${shownKey(name)}`;
    take(problems, base, checkSiteName(name));
    const lanTexts = typeof entry.lan === "string" ? [entry.lan] : entry.lan;
    if (lanTexts.length === 0) problems.push({ path: `${base}.lan`, message: "is empty; list the networks behind this gateway, e.g. [10.10.10.0/24]" });
    const lan = lanTexts.map((text, i) => take(problems, `${base}.lan[${i}]`, checkLan(text))).filter((c): c is Cidr => c !== undefined);
    // `none`: a gateway behind NAT or a dynamic line, which only reaches out to its peers.
    const endpoint = entry.endpoint.trim() === "none" ? { host: undefined, port: undefined } : take(problems, `${base}.endpoint`, checkEndpoint(entry.endpoint));
    const iface = take(problems, `${base}.interface`, checkInterfaceName(entry.interface ?? DEFAULT_INTERFACE));
    take(problems, `${base}.ssh`, checkSshTarget(entry.ssh));
    if (endpoint && iface) {
      const listen = endpoint.port ?? port ?? DEFAULT_PORT;
      sites.push({ name, lan, endpoint: endpoint.host === undefined ? { port: listen } : { host: endpoint.host, port: listen }, interface: iface, ssh: entry.ssh.trim() });
    }
  }

  const block: BlockRule[] = [];
  (shape.firewall?.block ?? []).forEach((rule, i) => {
    const proto = take(problems, `firewall.block[${i}].proto`, checkProto(rule.proto));
    const rulePort = rule.port === undefined ? undefined : take(problems, `firewall.block[${i}].port`, checkPort(rule.port));
    if (proto === "icmp" && rule.port !== undefined) problems.push({ path: `firewall.block[${i}].port`, message: "icmp has no ports; remove port" });
    else if (proto) block.push(rulePort === undefined ? { proto } : { proto, port: rulePort });
  });

  if (sites.length === names.length && sites.length >= 2 && network) problems.push(...relations(sites, network, shape, network6), ...endpointProblems(sites, topology));
  if (problems.length > 0 || !network || (tunnel?.network6 !== undefined && !network6) || port === undefined || keepalive === undefined || sites.length < 2 || sites.length > MAX_SITES) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    site: {
      tunnel: { network, ...(network6 ? { network6 } : {}), port, keepalive, ...(mtu === undefined ? {} : { mtu }), presharedKey: tunnel?.presharedKey ?? false, ...(tunnel?.clampMss === undefined ? {} : { clampMss: tunnel.clampMss }) },
      sites,
      ...(topology ? { topology } : {}),
      firewall: { restrictPort: shape.firewall?.restrictPort ?? true, block },
      ...(maxAgeDays === undefined ? {} : { keys: { maxAgeDays } }),
    },
  };
}

/** One spelling per host, so `GW.example.net.` and `gw.example.net`, or two ways of writing one IPv6 address, compare equal. */
function sameHost(a: string, b: string): boolean {
  const canonical = (h: string) => parseAddress(h)?.toString() ?? h.toLowerCase().replace(/\.$/, "");
  return canonical(a) === canonical(b);
}

/** Pairwise: endpoints and gateways distinct, LANs disjoint, nothing the tunnel would capture. */
function relations(sites: readonly SiteDef[], network: Cidr, shape: SiteFileShape, network6?: Cidr): Problem[] {
  const transfer = [{ c: network, where: "tunnel.network" }, ...(network6 ? [{ c: network6, where: "tunnel.network6" }] : [])];
  const problems: Problem[] = [];
  sites.forEach((second, b) => {
    for (const first of sites.slice(0, b)) {
      if (first.endpoint.host !== undefined && second.endpoint.host !== undefined && sameHost(first.endpoint.host, second.endpoint.host)) {
        problems.push({
          path: `sites.${shownKey(second.name)}.endpoint`,
          message: `${shown(second.endpoint.host)} is also ${shownKey(first.name)}'s endpoint; each site's endpoint is the public address of its own gateway`,
        });
      }
      const [sshA, sshB] = [parseSshHost(shape, first.name), parseSshHost(shape, second.name)];
      const portOf = (name: string) => checkSshTargetPort(shape, name);
      if (sshA && sshB && sameHost(sshA, sshB) && portOf(first.name) === portOf(second.name) && first.interface === second.interface) {
        problems.push({
          path: `sites.${shownKey(second.name)}.interface`,
          message: `${shownKey(first.name)} and ${shownKey(second.name)} would both be ${first.interface} on the same gateway ${shown(sshB)}; each site is its own gateway (or at least its own interface)`,
        });
      }
    }
  });
  const lanPath = (s: SiteDef, i: number) => `sites.${shownKey(s.name)}.lan[${i}]`;
  sites.forEach((site, si) => {
    const others = sites.filter((_, o) => o !== si);
    site.lan.forEach((cidr, i) => {
      for (const t of transfer) {
        if (cidrsOverlap(cidr, t.c)) problems.push({ path: lanPath(site, i), message: `${cidr.text} overlaps the transfer net ${t.c.text}${t.where === "tunnel.network" ? "" : ` (${t.where})`}; pick a transfer net outside both LANs` });
      }
      site.lan.forEach((otherCidr, j) => {
        if (j > i && cidrsOverlap(cidr, otherCidr)) problems.push({ path: lanPath(site, j), message: `${otherCidr.text} overlaps ${lanPath(site, i)} ${cidr.text}; list each network once` });
      });
      for (const other of sites.slice(si + 1)) {
        other.lan.forEach((otherCidr, j) => {
          if (cidrsOverlap(cidr, otherCidr)) {
            problems.push({
              path: lanPath(other, j),
              message: `${otherCidr.text} overlaps ${lanPath(site, i)} ${cidr.text}; the sites are routed without NAT, so their networks must not overlap`,
            });
          }
        });
      }
      for (const other of others) {
        const endpointAddress = other.endpoint.host === undefined ? undefined : parseAddress(other.endpoint.host);
        if (endpointAddress && cidrContains(cidr, endpointAddress)) {
          problems.push({
            path: lanPath(site, i),
            message: `${cidr.text} contains ${shownKey(other.name)}'s endpoint ${shown(other.endpoint.host!)}: the tunnel's own packets would be routed into the tunnel; use the peer's public address as endpoint or narrow the LAN`,
          });
        }
      }
    });
    const sshHost = parseSshHost(shape, site.name);
    const sshAddress = sshHost ? parseAddress(sshHost) : undefined;
    if (sshAddress) {
      const capturing = [...others.flatMap((other) => other.lan.map((c, j) => ({ c, where: `${lanPath(other, j)}` }))), ...transfer].find(({ c }) =>
        cidrContains(c, sshAddress),
      );
      if (capturing) {
        problems.push({
          path: `sites.${shownKey(site.name)}.ssh`,
          message: `${shown(sshHost)} is inside ${capturing.where} ${capturing.c.text}: once the tunnel is up the SSH session would be routed into it; reach ${shownKey(site.name)}'s gateway by an address outside the tunnel's networks`,
        });
      }
    }
  });
  return problems;
}

function checkSshTargetPort(shape: SiteFileShape, name: string): number | undefined {
  const check = checkSshTarget(shape.sites[name]?.ssh ?? "");
  return check.ok ? check.value.port ?? 22 : undefined;
}

function parseSshHost(shape: SiteFileShape, name: string): string | undefined {
  const check = checkSshTarget(shape.sites[name]?.ssh ?? "");
  return check.ok ? check.value.host : undefined;
}
