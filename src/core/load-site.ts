import { parseDocument, LineCounter } from "yaml";
import type { z } from "zod";
import { cidrContains, cidrsOverlap, parseAddress, type Cidr } from "./address.ts";
import {
  checkEndpoint,
  checkInterfaceName,
  checkKeepalive,
  checkLan,
  checkMtu,
  checkPort,
  checkProto,
  checkSiteName,
  checkSshTarget,
  checkTransferNet,
  type FieldCheck,
} from "./fields.ts";
import { EXAMPLES, KNOWN_KEYS, siteFileSchema, type SiteFileShape } from "./site-schema.ts";
import { DEFAULT_INTERFACE, DEFAULT_PORT, type BlockRule, type Problem, type Site, type SiteDef } from "./site.ts";

export type LoadResult = { readonly ok: true; readonly site: Site } | { readonly ok: false; readonly problems: readonly Problem[] };

function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? String(part) : `.${String(part)}`;
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

function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return KNOWN_KEYS[""]!;
  if (path[0] === "sites" && path.length === 2) return KNOWN_KEYS.site!;
  if (path[0] === "firewall" && path[1] === "block" && path.length === 3) return KNOWN_KEYS.block!;
  return KNOWN_KEYS[String(path[0])] ?? [];
}

function shapeProblems(issues: readonly z.core.$ZodIssue[]): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const last = issue.path[issue.path.length - 1];
    const example = typeof last === "string" ? EXAMPLES[last] : undefined;
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(issue.path);
      for (const key of issue.keys) {
        const near = [...known].sort((a, b) => distance(a, key) - distance(b, key)).find((k) => distance(k, key) <= 2);
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
      problems.push({ path: pathText(issue.path), message: issue.message });
    }
  }
  return problems;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Parses and judges a site file; every problem is reported, not only the first. */
export function loadSite(text: string): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const pos = error.linePos?.[0];
        const where = pos ? `line ${pos.line}, column ${pos.col}` : "YAML";
        const message = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
        return { path: where, message: `${message}; fix the YAML syntax there` };
      }),
    };
  }
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) return { ok: false, problems: [{ path: "", message: "the site file is empty; start from examples/alpha-beta.yaml" }] };
  const shape = siteFileSchema.safeParse(raw, { reportInput: true });
  if (shape.success) return judge(shape.data);
  // Values are still judged where the shape allows, so one run lists every problem.
  const judged = judge(loosen(raw));
  const problems = shapeProblems(shape.error.issues);
  const seen = new Set(problems.map((p) => p.path));
  if (!judged.ok) problems.push(...judged.problems.filter((p) => !seen.has(p.path) && ![...seen].some((s) => p.path.startsWith(`${s}`))));
  return { ok: false, problems };
}

/** Keeps only the parts of a malformed file whose types are right, so their values can be judged too. */
function loosen(raw: unknown): SiteFileShape {
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const str = (v: unknown): string => (typeof v === "string" ? v : "");
  const root = obj(raw);
  const tunnel = obj(root.tunnel);
  const sites: SiteFileShape["sites"] = {};
  for (const [name, value] of Object.entries(obj(root.sites))) {
    const entry = obj(value);
    const lan = Array.isArray(entry.lan) ? entry.lan.filter((x): x is string => typeof x === "string") : typeof entry.lan === "string" ? entry.lan : [];
    sites[name] = { lan, endpoint: str(entry.endpoint), ssh: str(entry.ssh), ...(typeof entry.interface === "string" ? { interface: entry.interface } : {}) };
  }
  const firewall = obj(root.firewall);
  return {
    tunnel: { ...tunnel, network: str(tunnel.network), presharedKey: tunnel.presharedKey === true },
    sites,
    firewall: { block: Array.isArray(firewall.block) ? firewall.block.map((b) => ({ ...obj(b), proto: str(obj(b).proto) })) : [] },
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
  const network = tunnel ? take(problems, "tunnel.network", checkTransferNet(tunnel.network)) : undefined;
  const port = tunnel?.port === undefined ? DEFAULT_PORT : take(problems, "tunnel.port", checkPort(tunnel.port));
  const keepalive = tunnel?.keepalive === undefined ? 0 : take(problems, "tunnel.keepalive", checkKeepalive(tunnel.keepalive));
  const mtu = tunnel?.mtu === undefined ? undefined : take(problems, "tunnel.mtu", checkMtu(tunnel.mtu));

  const names = Object.keys(shape.sites);
  if (names.length !== 2) {
    problems.push({
      path: "sites",
      message: `has ${names.length} site${names.length === 1 ? "" : "s"}; a site-to-site tunnel joins exactly two (e.g. alpha and beta)`,
    });
  }
  const sites: SiteDef[] = [];
  for (const name of names) {
    const entry = shape.sites[name]!;
    const base = `sites.${/^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name)}`;
    take(problems, base, checkSiteName(name));
    const lanTexts = typeof entry.lan === "string" ? [entry.lan] : entry.lan;
    if (lanTexts.length === 0) problems.push({ path: `${base}.lan`, message: "is empty; list the networks behind this gateway, e.g. [10.10.10.0/24]" });
    const lan = lanTexts.map((text, i) => take(problems, `${base}.lan[${i}]`, checkLan(text))).filter((c): c is Cidr => c !== undefined);
    const endpoint = take(problems, `${base}.endpoint`, checkEndpoint(entry.endpoint));
    const iface = take(problems, `${base}.interface`, checkInterfaceName(entry.interface ?? DEFAULT_INTERFACE));
    take(problems, `${base}.ssh`, checkSshTarget(entry.ssh));
    if (endpoint && iface) {
      sites.push({ name, lan, endpoint: { host: endpoint.host, port: endpoint.port ?? port ?? DEFAULT_PORT }, interface: iface, ssh: entry.ssh.trim() });
    }
  }

  const block: BlockRule[] = [];
  (shape.firewall?.block ?? []).forEach((rule, i) => {
    const proto = take(problems, `firewall.block[${i}].proto`, checkProto(rule.proto));
    const rulePort = rule.port === undefined ? undefined : take(problems, `firewall.block[${i}].port`, checkPort(rule.port));
    if (proto === "icmp" && rule.port !== undefined) problems.push({ path: `firewall.block[${i}].port`, message: "icmp has no ports; remove port" });
    else if (proto) block.push(rulePort === undefined ? { proto } : { proto, port: rulePort });
  });

  if (sites.length === 2 && network) problems.push(...relations(sites as [SiteDef, SiteDef], network, shape));
  if (problems.length > 0 || !network || port === undefined || keepalive === undefined || sites.length !== 2) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    site: {
      tunnel: { network, port, keepalive, ...(mtu === undefined ? {} : { mtu }), presharedKey: tunnel?.presharedKey ?? false, ...(tunnel?.clampMss === undefined ? {} : { clampMss: tunnel.clampMss }) },
      sites: [sites[0]!, sites[1]!],
      firewall: { restrictPort: shape.firewall?.restrictPort ?? true, block },
    },
  };
}

function relations(sites: readonly [SiteDef, SiteDef], network: Cidr, shape: SiteFileShape): Problem[] {
  const problems: Problem[] = [];
  const lanPath = (s: SiteDef, i: number) => `sites.${s.name}.lan[${i}]`;
  sites.forEach((site, si) => {
    const other = sites[si === 0 ? 1 : 0];
    site.lan.forEach((cidr, i) => {
      if (cidrsOverlap(cidr, network)) {
        problems.push({ path: lanPath(site, i), message: `${cidr.text} overlaps the transfer net ${network.text}; pick a transfer net outside both LANs` });
      }
      site.lan.forEach((otherCidr, j) => {
        if (j > i && cidrsOverlap(cidr, otherCidr)) problems.push({ path: lanPath(site, j), message: `${otherCidr.text} overlaps ${lanPath(site, i)} ${cidr.text}; list each network once` });
      });
      if (si === 0) {
        other.lan.forEach((otherCidr, j) => {
          if (cidrsOverlap(cidr, otherCidr)) {
            problems.push({
              path: lanPath(other, j),
              message: `${otherCidr.text} overlaps ${lanPath(site, i)} ${cidr.text}; the sites are routed without NAT, so their networks must not overlap`,
            });
          }
        });
      }
      const endpointAddress = parseAddress(other.endpoint.host);
      if (endpointAddress && cidrContains(cidr, endpointAddress)) {
        problems.push({
          path: lanPath(site, i),
          message: `${cidr.text} contains ${other.name}'s endpoint ${other.endpoint.host}: the tunnel's own packets would be routed into the tunnel; use the peer's public address as endpoint or narrow the LAN`,
        });
      }
    });
    const sshHost = parseSshHost(shape, site.name);
    const sshAddress = sshHost ? parseAddress(sshHost) : undefined;
    if (sshAddress) {
      const capturing = [...other.lan.map((c, j) => ({ c, where: `${lanPath(other, j)}` })), { c: network, where: "tunnel.network" }].find(({ c }) =>
        cidrContains(c, sshAddress),
      );
      if (capturing) {
        problems.push({
          path: `sites.${site.name}.ssh`,
          message: `${sshHost} is inside ${capturing.where} ${capturing.c.text}: once the tunnel is up the SSH session would be routed into it; reach ${site.name}'s gateway by an address outside the tunnel's networks`,
        });
      }
    }
  });
  return problems;
}

function parseSshHost(shape: SiteFileShape, name: string): string | undefined {
  const check = checkSshTarget(shape.sites[name]?.ssh ?? "");
  return check.ok ? check.value.host : undefined;
}
