import type { InitSystem, UnitAction } from "./init-system.ts";
import type { Site } from "./site.ts";

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
 * One operation on a gateway, as data. src/remote/ops-shell.ts is the only code that turns these
 * into shell; the plan's text, its JSON, the journal, rollback and removal all read these values.
 */
export type Op =
  /** Write a file as temp + rename; a different file it replaces is kept as `<path>.wgsite-backup-<run>`. */
  | { readonly op: "write"; readonly path: string; readonly mode: "0600" | "0644" | "0700" | "0755"; readonly content: string; readonly noBackup?: true }
  /** Write a secret that arrives on the batch's stdin (never in argv, never in the plan). */
  | { readonly op: "write-secret"; readonly path: string; readonly secret: "psk" }
  /** Make a private key on the gateway (umask 077, temp + rename), or take over `reuse` when it exists; only its public key ever leaves. */
  | { readonly op: "genkey"; readonly path: string; readonly reuse?: string }
  /** The undo of a write: this run's backup back in place, or the file removed when there was none before. */
  | { readonly op: "restore"; readonly path: string; readonly existed: boolean }
  | { readonly op: "remove"; readonly paths: readonly string[] }
  | { readonly op: "move"; readonly from: string; readonly to: string }
  | { readonly op: "copy"; readonly from: string; readonly to: string }
  /** A command line (package installs, sysctl, a field fix's hook lines). */
  | { readonly op: "run"; readonly sh: string; readonly mayFail?: true }
  /** The service of a wg interface, through the one init-system module. */
  | { readonly op: "unit"; readonly init: InitSystem; readonly action: UnitAction; readonly iface: string }
  /**
   * Apply the config on disk to the running interface without taking it down: peers, endpoints,
   * keepalive and allowed IPs by `wg syncconf`, the routes of the allowed IPs as wg-quick adds them,
   * and the preshared keys the config's PostUp names.
   */
  | { readonly op: "reload-peers"; readonly iface: string }
  /** Remove every firewall rule and table marked for `iface`, whatever config added it. */
  | { readonly op: "sweep-rules"; readonly iface: string };

export type Phase = "prepare" | "configure";

export type StepId =
  | "install"
  | "keys"
  | "retire"
  | "stop"
  | "config"
  | `file:${string}`
  | "psk"
  | "forwarding"
  | "forwarding6"
  | `fix-${string}`
  | "service-script"
  | "unit"
  | "reload"
  | "restrict"
  | "reresolve"
  // removal
  | "files"
  | "fixes"
  | "unit-restore"
  | "journal";

/**
 * One step on one gateway. `ops` make it so; `undo` returns the gateway to how it was before this
 * run's change, and is safe to run when the step never ran (rollback prepares it in advance).
 * `noop` says why nothing is to be done (then there are no ops; rollback never runs its undo).
 */
export type Step = {
  readonly id: StepId;
  /** prepare: before the public keys are exchanged (install, keys); configure: everything after. */
  readonly phase: Phase;
  readonly title: string;
  readonly reason?: string;
  readonly ops: readonly Op[];
  readonly undo: readonly Op[];
  readonly noop?: string;
};

export type Warning = { readonly message: string; readonly fix: string };

export type VerifyTargets = {
  readonly interface: string;
  readonly port: number;
  readonly peerTunnelAddress: string;
  /** The peer's address on the IPv6 transfer net (tunnel.network6), pinged beside the IPv4 one. */
  readonly peerTunnelAddress6?: string;
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

/** What the run does to the tunnel's traffic, as the plan says it before anything runs. */
export type TrafficEffect = {
  readonly effect: "none" | "start" | "live" | "restart" | "migrate";
  readonly text: string;
};

/**
 * A value known only once the other gateway's prepare phase ran: the executor puts it where the
 * token stands in this gateway's ops. The plan is not computed again.
 */
export type Binding = { readonly token: string; readonly site: string; readonly value: "public-key" };

/** One site gateway `index` must reach with more than two sites: its peer, or a spoke through the hub (`via`). */
export type PairTarget = VerifyTargets & { readonly site: string; readonly via?: string };

export type GatewayPlan = {
  readonly site: string;
  /** Position in the site file (0 and 1 for the reference's two). */
  readonly index: number;
  readonly interface: string;
  readonly ssh: string;
  readonly init: InitSystem | "unknown";
  readonly files: readonly PlannedFile[];
  readonly steps: readonly Step[];
  readonly warnings: readonly Warning[];
  /** The path to its first peer (with two sites: the peer). */
  readonly verify: VerifyTargets;
  /** With more than two sites: every other site, in site order, each proved LAN to LAN. */
  readonly pairs?: readonly PairTarget[];
  readonly traffic: TrafficEffect;
  readonly bindings: readonly Binding[];
  /** A preshared key is written this run: the executor makes one and passes it to both gateways on stdin. */
  readonly needsPsk: boolean;
};

/** The site file it was made from travels with it: verification judges the result by the same site. */
export type Plan = { readonly site: Site; readonly gateways: readonly GatewayPlan[]; readonly runId: string };
