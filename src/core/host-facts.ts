/** What wgsite learned about one gateway in its first round trip; the plan is computed from site + facts. */
export type FirewallBackend = "nftables" | "iptables-nft" | "iptables-legacy" | "none";

export type NatRule = { readonly table: "nat"; readonly chain: string; readonly rule: string; readonly source?: string; readonly destination?: string; readonly outInterface?: string; readonly target: string };

/** Don't-fragment pings from a gateway to one peer's endpoint (src/facts/path-mtu.ts). */
export type PathMtuProbe = {
  /** The address probed: the peer's endpoint, or the first address its name resolves to. */
  readonly target: string;
  readonly family: "ipv4" | "ipv6";
  /** MTU of the gateway's interface on the route to the target. */
  readonly linkMtu: number;
  /** Largest IP packet that got an answer; undefined when none did. */
  readonly pathMtu?: number;
};

export type PathMtuFacts = {
  /** One probe per peer endpoint host (as the site file names it) that has an address and a route. */
  readonly probes: Readonly<Record<string, PathMtuProbe>>;
  /** MTU of each interface, by name (for the LANs' MTU). */
  readonly linkMtus: Readonly<Record<string, number>>;
};

export type HostFacts = {
  readonly os: { readonly id: string; readonly idLike: readonly string[]; readonly versionId: string; readonly prettyName: string };
  readonly packageManager: "apt" | "dnf" | "yum" | "apk" | "pacman" | "zypper" | "unknown";
  readonly init: "systemd" | "openrc" | "unknown";
  /** The kernel can create wireguard links; otherwise wireguard-go is needed. */
  readonly kernelWireguard: boolean;
  readonly installed: { readonly wg: boolean; readonly wgQuick: boolean; readonly wireguardGo: boolean; readonly iptables: boolean; readonly nft: boolean };
  /** Existing /etc/wireguard/<if>.conf, verbatim (undefined when absent). */
  readonly existingConfig?: string;
  /** Public key derived on the gateway from an existing /etc/wireguard/<if>.key. */
  readonly publicKey?: string;
  /** sha256 of /etc/wireguard/<if>.psk, so both ends can be compared without reading the secret. */
  readonly pskHash?: string;
  /** Content of other non-secret files wgsite manages (sysctl drop-in, nft rules), by path. */
  readonly files: Readonly<Record<string, string | undefined>>;
  readonly interfaceUp: boolean;
  readonly unit: { readonly enabled: boolean; readonly active: boolean };
  readonly ipForward: { readonly runtime: boolean; readonly persisted: boolean };
  /** net.ipv6.conf.all.forwarding; absent in captures made before wgsite asked. */
  readonly ip6Forward?: { readonly runtime: boolean; readonly persisted: boolean };
  /** Effective rp_filter for the wg interface: max(all, interface); 1 = strict. */
  readonly rpFilter: { readonly all: number; readonly default: number; readonly iface?: number; readonly persisted: boolean };
  readonly firewall: {
    readonly backend: FirewallBackend;
    readonly ufwActive: boolean;
    readonly firewalldActive: boolean;
    readonly dockerUser: boolean;
    readonly forwardPolicy: "ACCEPT" | "DROP" | "unknown";
    readonly natRules: readonly NatRule[];
  };
  /** UDP ports bound on the gateway, with the owning process or interface when known. */
  readonly udpPortsInUse: readonly number[];
  /** Other WireGuard interfaces: name, listen port and addresses. */
  readonly otherWireguard: readonly { readonly name: string; readonly listenPort?: number; readonly addresses: readonly string[] }[];
  /** Routes (destination prefixes) in the main table, for clashes with the remote LANs. */
  readonly routes: readonly { readonly dst: string; readonly dev: string }[];
  /** The SSH session's client address as the gateway sees it (SSH_CONNECTION). */
  readonly sshClient?: string;
  /** Directly connected networks, with the interface that carries each. */
  readonly connected: readonly { readonly cidr: string; readonly dev: string; readonly address: string }[];
  /** Global IPv6 addresses, with the interface that carries each; absent in older captures. */
  readonly connected6?: readonly { readonly cidr: string; readonly dev: string; readonly address: string }[];
  /** IPv4 neighbours heard from lately (`ip neigh`); absent in captures made before wgsite asked. */
  readonly neighbors?: readonly { readonly address: string; readonly dev: string; readonly reachable: boolean }[];
  /** OpenRC's wg-quick script and the interface's symlink (service-script fact); absent in older captures. */
  readonly serviceScript?: { readonly script: boolean; readonly link: boolean };
  /** What the enabled repositories offer of wireguard-tools and wireguard-go, asked while wg-quick is absent (wireguard-packages fact). */
  readonly wireguardPackages?: { readonly available: readonly string[]; readonly missing: readonly string[]; readonly repos: readonly string[] };
  /** What the peers' endpoint names resolve to on this gateway, by name (none for address literals). */
  readonly peerAddresses?: Readonly<Record<string, readonly string[]>>;
  /** The path MTU towards each peer's endpoint; absent in captures made before wgsite measured it. */
  readonly pathMtu?: PathMtuFacts;
  /** The wgsite journal for this interface, if wgsite has written one before. */
  readonly journal?: unknown;
  /** A commit-confirm revert timer of an earlier run is still armed (that run lost its session). */
  readonly revertArmed?: boolean;
  /** Interfaces with a wgsite journal on the gateway, and the site each was made for (absent in older captures). */
  readonly ownedInterfaces?: readonly { readonly interface: string; readonly site: string; readonly journal: unknown }[];
  /**
   * The firewall as captured (`iptables-save`, `nft list ruleset`), for the rule evaluator that
   * decides which field fixes a gateway needs; absent in hand-written facts.
   */
  readonly firewallRaw?: { readonly iptables: string; readonly nft: string };
  /** How commands get root: already root, sudo without password, or sudo with one. */
  readonly privilege: "root" | "sudo-nopasswd" | "sudo-password";
};
