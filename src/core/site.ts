import type { Cidr } from "./address.ts";
import type { HostPort } from "./fields.ts";

export type BlockRule = { readonly proto: "tcp" | "udp" | "icmp"; readonly port?: number };

export type SiteDef = {
  readonly name: string;
  readonly lan: readonly Cidr[];
  readonly endpoint: HostPort & { readonly port: number };
  readonly interface: string;
  readonly ssh: string;
};

/** The validated site file: what both gateways should look like. */
export type Site = {
  readonly tunnel: {
    readonly network: Cidr;
    readonly port: number;
    readonly keepalive: number;
    readonly mtu?: number;
    readonly presharedKey: boolean;
    /** TCP MSS clamping on the tunnel: absent = on when the measured path is narrower than the LANs. */
    readonly clampMss?: boolean;
  };
  readonly sites: readonly [SiteDef, SiteDef];
  readonly firewall: { readonly restrictPort: boolean; readonly block: readonly BlockRule[] };
};

export type Problem = { readonly path: string; readonly message: string };

export function formatProblem(problem: Problem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message;
}

export const DEFAULT_PORT = 51000;
export const DEFAULT_INTERFACE = "wg0";

/** The other site of the pair. */
export function peerOf(site: Site, index: 0 | 1): SiteDef {
  return site.sites[index === 0 ? 1 : 0];
}
