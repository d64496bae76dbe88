import type { Cidr } from "./address.ts";
import type { HostPort } from "./fields.ts";
import { escapeControls } from "./show-value.ts";

export type BlockRule = { readonly proto: "tcp" | "udp" | "icmp"; readonly port?: number };

/** Where the peers reach a gateway; `host` is absent for `endpoint: none` (behind NAT: it reaches out only). */
export type SiteEndpoint = Omit<HostPort, "host" | "port"> & { readonly host?: string; readonly port: number };

export type SiteDef = {
  readonly name: string;
  readonly lan: readonly Cidr[];
  readonly endpoint: SiteEndpoint;
  readonly interface: string;
  readonly ssh: string;
};

/** mesh: every gateway has a peer for every other; hub: the spokes reach each other through the hub. */
export type Topology = { readonly kind: "mesh" } | { readonly kind: "hub"; readonly hub: string };

/** The validated site file: what every gateway should look like. */
export type Site = {
  readonly tunnel: {
    /** The transfer net: IPv4 (the reference's /31), or IPv6 (a /127) instead. */
    readonly network: Cidr;
    /** An IPv6 transfer net beside the IPv4 one (RFC 6164 /127 for two sites); absent: IPv4 only. */
    readonly network6?: Cidr;
    readonly port: number;
    readonly keepalive: number;
    readonly mtu?: number;
    readonly presharedKey: boolean;
    /** TCP MSS clamping on the tunnel: absent = on when the measured path is narrower than the LANs. */
    readonly clampMss?: boolean;
  };
  /** 2 to MAX_SITES, in the file's order (which is the order of the transfer addresses). */
  readonly sites: readonly SiteDef[];
  /** Absent: mesh. */
  readonly topology?: Topology;
  readonly firewall: { readonly restrictPort: boolean; readonly block: readonly BlockRule[] };
  /** Status warns once a gateway's private key is older than this; absent: no limit. */
  readonly keys?: { readonly maxAgeDays: number };
};

export type Problem = { readonly path: string; readonly message: string };

/**
 * What wgsite reads of a site file, and how much it says about one: within these a file is judged
 * in well under a second, and its report stays readable whatever the file holds.
 */
export const SITE_LIMITS = {
  /** Refused by size before parsing. */
  bytes: 1024 * 1024,
  lines: 2000,
  /** YAML structure characters ([ ] { } , : - ? & * !): the YAML parser spends its time on those. */
  structure: 5000,
  /** Problems listed; the rest are counted. */
  problems: 20,
  /** Characters of one problem line. */
  lineChars: 300,
} as const;

/** One line per problem, escaped again as a last guard (values inside are already shown escaped) and cut. */
export function formatProblem(problem: Problem): string {
  const line = escapeControls(problem.path ? `${problem.path}: ${problem.message}` : problem.message);
  const chars = Array.from(line);
  return chars.length <= SITE_LIMITS.lineChars ? line : `${chars.slice(0, SITE_LIMITS.lineChars).join("")}…`;
}

/** The problem lines of a report: at most SITE_LIMITS.problems, then how many more there are. */
export function formatProblems(problems: readonly Problem[], max: number = SITE_LIMITS.problems): string[] {
  const lines = problems.slice(0, max).map(formatProblem);
  if (problems.length > max) lines.push(`and ${problems.length - max} more problem${problems.length - max === 1 ? "" : "s"}`);
  return lines;
}

export const DEFAULT_PORT = 51000;
export const DEFAULT_INTERFACE = "wg0";
export const MAX_SITES = 64;

/** The other site of a two-site file (with more sites, see topology.ts: peersOf). */
export function peerOf(site: Site, index: number): SiteDef {
  return site.sites[index === 0 ? 1 : 0]!;
}
