import type { HostFacts } from "../core/host-facts.ts";
import type { IptablesDump } from "../core/rules/iptables-save.ts";
import type { NftRuleset } from "../core/rules/nft-ruleset.ts";
import type { PathMtu, PingResult } from "./ping.ts";
import type { RouteGet } from "./route-get.ts";
import type { WgDump } from "./wg-dump.ts";

/** What one gateway's probe aims at; derived from the site file and the LAN addresses seen on both ends. */
export type ProbeTargets = {
  readonly iface: string;
  readonly port: number;
  /** The other gateway's tunnel address: pinged every tick, which also starts a handshake on an idle tunnel. */
  readonly peerTunnelAddress: string;
  /** The other gateway's address on the IPv6 transfer net, when the site file has one. */
  readonly peerTunnelAddress6?: string;
  /** One address per remote LAN (the other gateway's own where known); `ip route get` for each, the first is pinged. */
  readonly remoteLanAddresses: readonly string[];
  /** This gateway's address inside its own LAN: the source of the routed-path ping. */
  readonly localLanAddress?: string;
  /** The peer's endpoint when it is a DNS name, resolved on the gateway with the heavy probes. */
  readonly endpointName?: string;
  /** When both sites have an IPv6 LAN: an address in the other's to ping, from this gateway's own in its IPv6 LAN. */
  readonly ipv6?: { readonly remote: string; readonly local?: string };
};

/** The slow probes, run at the start, every Nth tick and on demand. */
export type HeavySample = {
  /** Gateway clock (epoch seconds) when they ran. */
  readonly at: number;
  readonly pathMtu?: PathMtu;
  /** `ping -c 10 -i 0.05` from the local LAN address to the remote LAN address (half a second, as root). */
  readonly latency?: PingResult;
  /** Addresses the endpoint name resolves to on the gateway, in getent's order. */
  readonly resolved?: readonly string[];
  /** Whether the endpoint name's re-resolve job (core/reresolve.ts) runs; probed only for a name. */
  readonly reresolveJob?: boolean;
  /** Hosts this gateway heard from lately (`ip neigh`): the other gateway pings them on its next full probe. */
  readonly neighbors?: HostFacts["neighbors"];
  /** Hosts heard on the other gateway's LAN, pinged from the local LAN address. */
  readonly lanHosts?: readonly LanHostPing[];
};

export type LanHostPing = { readonly address: string; readonly answered: boolean; readonly rttMs?: number };

/** Everything one tick learned about one gateway. */
export type StatusSample = {
  /** Gateway clock (epoch seconds): handshake ages are computed against it, not against ours. */
  readonly clock: number;
  readonly init: HostFacts["init"];
  /** When the gateway's private key file was written (epoch seconds, the gateway's clock); undefined: no key file. */
  readonly keyMadeAt?: number;
  /** Undefined when the interface does not exist (or wg is missing). */
  readonly wg?: WgDump;
  /** Undefined when the interface does not exist. */
  readonly link?: { readonly up: boolean; readonly mtu?: number };
  readonly unit: HostFacts["unit"];
  readonly ipForward: HostFacts["ipForward"];
  /** Read when the LANs are dual-stack (ProbeTargets.ipv6). */
  readonly ip6Forward?: HostFacts["ipForward"];
  readonly rpFilter: HostFacts["rpFilter"];
  readonly addresses: HostFacts["connected"];
  readonly routes: readonly { readonly to: string; readonly route: RouteGet }[];
  /** `firewalld`: firewalld runs; its zones decide forwarding (read through its nftables table). */
  readonly firewall: { readonly iptables: IptablesDump; readonly nft: NftRuleset; readonly firewalld?: boolean };
  readonly tunnelPing: PingResult;
  /** Over the IPv6 transfer net (ProbeTargets.peerTunnelAddress6). */
  readonly tunnelPing6?: PingResult;
  /** Undefined when the gateway has no address in its LAN to ping from. */
  readonly lanPing?: PingResult;
  /** The same over IPv6, when the gateway has an address in its IPv6 LAN. */
  readonly lanPing6?: PingResult;
  /**
   * Apply's verification only: a don't-fragment ping of the interface's whole MTU, LAN address to LAN
   * address. `unsupported`: this ping cannot set don't-fragment (busybox).
   */
  readonly mtuPing?: { readonly mtu: number; readonly ok: boolean; readonly unsupported?: true };
  /** The latest heavy probes (carried over from an earlier tick when this one was light). */
  readonly heavy?: HeavySample;
};
