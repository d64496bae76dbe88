/** A file wgsite will write on a gateway: a value, written by the executor as temp + rename. */
export type PlannedFile = {
  readonly path: string;
  readonly mode: "0600" | "0644";
  readonly owner: "root:root";
  readonly content: string;
  /** What is there now (undefined: absent; null: unknown, offline). */
  readonly existing: string | undefined | null;
};

/**
 * One step on one gateway. `check` exits 0 when the step is already done, `change` makes it so,
 * `undo` returns the gateway to how it was before this run's change. `noop` says why nothing is to be done.
 */
export type Step = {
  readonly id: string;
  readonly title: string;
  readonly reason?: string;
  readonly check: string;
  readonly change: string;
  readonly undo: string;
  readonly noop?: string;
};

export type Warning = { readonly message: string; readonly fix: string };

export type VerifyTargets = {
  readonly interface: string;
  readonly peerTunnelAddress: string;
  /** An address inside the remote LAN whose route must go via the tunnel. */
  readonly remoteProbe: string;
  /** This gateway's own address inside its LAN, used as source of the routed-path ping. */
  readonly localLanAddress?: string;
  /**
   * Hosts the other gateway has heard from inside its LAN: pinged from localLanAddress, they prove the
   * whole path, the host's route back included. An answer is proof; silence only a warning (a host may
   * not answer pings at all).
   */
  readonly remoteHosts?: readonly string[];
  /** With IPv6 LANs on both sites: this gateway's address in its IPv6 LAN, and one in the other's, for a v6 ping. */
  readonly localLanAddress6?: string;
  readonly remoteProbe6?: string;
};

export type GatewayPlan = {
  readonly site: string;
  readonly index: 0 | 1;
  readonly interface: string;
  readonly ssh: string;
  readonly files: readonly PlannedFile[];
  readonly steps: readonly Step[];
  readonly warnings: readonly Warning[];
  readonly verify: VerifyTargets;
};

export type Plan = { readonly gateways: readonly [GatewayPlan, GatewayPlan] };
