import { firewallHooks, restrictPortNote, type FirewallHooks, type Resolved } from "./firewall.ts";
import type { FirewallBackend } from "./host-facts.ts";
import type { MtuChoice } from "./mtu.ts";
import type { Site } from "./site.ts";
import { peersOf, transferAddress, transferAddress6 } from "./topology.ts";

export type RenderInput = {
  readonly site: Site;
  readonly index: number;
  /**
   * The peer's public key, or a placeholder such as `<beta public key>` when not yet known; a
   * function gives each peer's when there are more than two sites.
   */
  readonly peerPublicKey: string | ((siteName: string) => string);
  readonly backend: FirewallBackend;
  /** Extra hook pairs from the gateway's facts (forward accepts, NAT exemptions), already paired. */
  readonly extraHooks?: FirewallHooks;
  /** What the peers' endpoint names resolve to on this gateway (facts); absent offline. */
  readonly peerAddresses?: Resolved;
  /** The MTU and MSS clamping chosen from the measured path (mtu.ts); absent: the site file's own. */
  readonly mtu?: MtuChoice;
};

export function formatEndpoint(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export function placeholderKey(siteName: string): string {
  return `<${siteName} public key>`;
}

/** The wg-quick config of one gateway: the reference layout, with only what the site file adds. */
export function renderConfig(input: RenderInput): { content: string; hooks: FirewallHooks; notes: string[] } {
  const { site, index } = input;
  const self = site.sites[index]!;
  const peers = peersOf(site, index);
  const keyOf = (name: string) => (typeof input.peerPublicKey === "function" ? input.peerPublicKey(name) : input.peerPublicKey);
  const mtu = input.mtu ?? { ...(site.tunnel.mtu === undefined ? {} : { mtu: site.tunnel.mtu }), clampMss: site.tunnel.clampMss === true };
  const hooks = firewallHooks(site, index, input.backend, { ...(input.peerAddresses ? { peerAddresses: input.peerAddresses } : {}), clampMss: mtu.clampMss });
  const notes = [restrictPortNote(site, index, input.peerAddresses), mtu.note].filter((n): n is string => n !== undefined);
  const extra = input.extraHooks ?? { postUp: [], preDown: [], files: [] };
  const lines = ["[Interface]", "PostUp = wg set %i private-key /etc/wireguard/%i.key"];
  if (site.tunnel.presharedKey) for (const peer of peers) lines.push(`PostUp = wg set %i peer ${keyOf(peer.site.name)} preshared-key /etc/wireguard/%i.psk`);
  for (const up of [...extra.postUp, ...hooks.postUp]) lines.push(`PostUp = ${up}`);
  for (const down of [...hooks.preDown, ...extra.preDown]) lines.push(`PreDown = ${down}`);
  lines.push(`Address = ${transferAddress(site, index)}/${site.tunnel.network.prefix}`);
  if (site.tunnel.network6) lines.push(`Address = ${transferAddress6(site, index)}/${site.tunnel.network6.prefix}`);
  lines.push(`ListenPort = ${self.endpoint.port}`);
  if (mtu.mtu !== undefined) lines.push(`MTU = ${mtu.mtu}`);
  for (const peer of peers) {
    const { host, port } = peer.site.endpoint;
    lines.push("", "[Peer]", `# ${peer.site.name} site`, `PublicKey = ${keyOf(peer.site.name)}`, `AllowedIPs = ${peer.allowed.join(",")}`);
    if (host !== undefined) lines.push(`Endpoint = ${formatEndpoint(host, port)}`);
    if (peer.keepalive > 0) lines.push(`PersistentKeepalive = ${peer.keepalive}`);
  }
  return { content: `${lines.join("\n")}\n`, hooks: { postUp: [...extra.postUp, ...hooks.postUp], preDown: [...hooks.preDown, ...extra.preDown], files: [...extra.files, ...hooks.files] }, notes };
}
