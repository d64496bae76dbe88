import { transferAddresses } from "./address.ts";
import { firewallHooks, restrictPortNote, type FirewallHooks } from "./firewall.ts";
import type { FirewallBackend } from "./host-facts.ts";
import type { MtuChoice } from "./mtu.ts";
import type { Site } from "./site.ts";

export type RenderInput = {
  readonly site: Site;
  readonly index: 0 | 1;
  /** The peer's public key, or a placeholder such as `<beta public key>` when not yet known. */
  readonly peerPublicKey: string;
  readonly backend: FirewallBackend;
  /** Extra hook pairs from the gateway's facts (forward accepts, NAT exemptions), already paired. */
  readonly extraHooks?: FirewallHooks;
  /** What the peer's endpoint name resolves to on this gateway (facts); absent offline or for an address. */
  readonly peerAddresses?: readonly string[];
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
  const self = site.sites[index];
  const peer = site.sites[index === 0 ? 1 : 0];
  const mtu = input.mtu ?? { ...(site.tunnel.mtu === undefined ? {} : { mtu: site.tunnel.mtu }), clampMss: site.tunnel.clampMss === true };
  const hooks = firewallHooks(site, index, input.backend, { ...(input.peerAddresses ? { peerAddresses: input.peerAddresses } : {}), clampMss: mtu.clampMss });
  const notes = [restrictPortNote(site, index, input.peerAddresses), mtu.note].filter((n): n is string => n !== undefined);
  const extra = input.extraHooks ?? { postUp: [], preDown: [], files: [] };
  const lines = ["[Interface]", "PostUp = wg set %i private-key /etc/wireguard/%i.key"];
  if (site.tunnel.presharedKey) lines.push(`PostUp = wg set %i peer ${input.peerPublicKey} preshared-key /etc/wireguard/%i.psk`);
  for (const up of [...extra.postUp, ...hooks.postUp]) lines.push(`PostUp = ${up}`);
  for (const down of [...hooks.preDown, ...extra.preDown]) lines.push(`PreDown = ${down}`);
  const address = transferAddresses(site.tunnel.network)[index];
  lines.push(`Address = ${address}/${site.tunnel.network.prefix}`, `ListenPort = ${self.endpoint.port}`);
  if (mtu.mtu !== undefined) lines.push(`MTU = ${mtu.mtu}`);
  lines.push(
    "",
    "[Peer]",
    `# ${peer.name} site`,
    `PublicKey = ${input.peerPublicKey}`,
    `AllowedIPs = ${[...peer.lan.map((c) => c.text), site.tunnel.network.text].join(",")}`,
    `Endpoint = ${formatEndpoint(peer.endpoint.host, peer.endpoint.port)}`,
  );
  if (site.tunnel.keepalive > 0) lines.push(`PersistentKeepalive = ${site.tunnel.keepalive}`);
  return { content: `${lines.join("\n")}\n`, hooks: { postUp: [...extra.postUp, ...hooks.postUp], preDown: [...hooks.preDown, ...extra.preDown], files: [...extra.files, ...hooks.files] }, notes };
}
