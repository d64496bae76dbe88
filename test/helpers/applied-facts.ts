import { readFileSync } from "node:fs";
import type { HostFacts } from "../../src/core/host-facts.ts";
import { nextJournal } from "../../src/core/journal.ts";
import { loadSite } from "../../src/core/load-site.ts";
import { plan, sysctlPath } from "../../src/core/plan.ts";
import { transferAddresses } from "../../src/core/address.ts";
import { lanFamilies, needsFirewallTool } from "../../src/core/firewall.ts";
import type { Site } from "../../src/core/site.ts";

export const PUBLIC_KEYS = ["hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=", "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="] as const;
const PSK_HASH = "a".repeat(64);

export const FRESH = JSON.parse(readFileSync(new URL("../fixtures/facts/fresh-debian.json", import.meta.url), "utf8")) as HostFacts;
export const FRESH_BETA: HostFacts = {
  ...FRESH,
  connected: [{ dev: "host0", address: "192.0.2.2", cidr: "192.0.2.2/24" }, { dev: "lan0", address: "10.10.11.1", cidr: "10.10.11.1/24" }],
  routes: [{ dst: "192.0.2.0/24", dev: "host0" }, { dst: "10.10.11.0/24", dev: "lan0" }],
  privilege: "sudo-password",
};

export function siteOf(text: string): Site {
  const result = loadSite(text);
  if (!result.ok) throw new Error(`site invalid: ${JSON.stringify(result)}`);
  return result.site;
}

/**
 * A gateway as wgsite leaves it after a verified apply of `site` on fresh gateways: what the facts
 * round trip would find there, for the interface the next site file (`next`) names.
 */
export function appliedFacts(site: Site, index: 0 | 1, next: Site = site): HostFacts {
  const base = index === 0 ? FRESH : FRESH_BETA;
  const first = plan({ site, facts: [FRESH, FRESH_BETA], runId: "R0" });
  const gp = first.gateways[index];
  const iface = site.sites[index].interface;
  const peer = PUBLIC_KEYS[index === 0 ? 1 : 0];
  const config = gp.files[0]!.content.replaceAll(/<\w+ public key>/g, peer);
  const journal = nextJournal(site.sites[index], base, gp, "R0");
  const iptables = needsFirewallTool(site) || base.installed.iptables;
  const wg = { ...base.installed, wg: true, wgQuick: true, wireguardGo: true, iptables };
  const transfer = transferAddresses(site.tunnel.network)[index];
  const tunnelTraces = {
    connected: [...base.connected, { dev: iface, address: transfer, cidr: `${transfer}/${site.tunnel.network.prefix}` }],
    routes: [...base.routes, ...site.sites[index === 0 ? 1 : 0].lan.map((l) => ({ dst: l.text, dev: iface }))],
    udpPortsInUse: [...base.udpPortsInUse, site.sites[index].endpoint.port],
    ipForward: { runtime: true, persisted: true },
    // IPv6 forwarding is wgsite's to turn on only when a LAN is IPv6 (forwarding.ts).
    ...(lanFamilies(site).includes("ipv6") ? { ip6Forward: { runtime: true, persisted: true } } : {}),
    installed: wg,
    firewall: { ...base.firewall, backend: iptables && base.firewall.backend === "none" ? ("iptables-nft" as const) : base.firewall.backend },
    ownedInterfaces: [{ interface: iface, site: site.sites[index].name, journal }],
  };
  if (next.sites[index].interface !== iface) {
    const port = site.sites[index].endpoint.port;
    return { ...base, ...tunnelTraces, otherWireguard: [{ name: iface, listenPort: port, addresses: [`${transfer}/${site.tunnel.network.prefix}`] }] };
  }
  return {
    ...base,
    ...tunnelTraces,
    existingConfig: config,
    publicKey: PUBLIC_KEYS[index],
    ...(site.tunnel.presharedKey ? { pskHash: PSK_HASH } : {}),
    files: Object.fromEntries([[sysctlPath(iface), gp.steps.find((s) => s.id === "forwarding")!.ops.flatMap((o) => (o.op === "write" ? [o.content] : []))[0]], ...gp.files.slice(1).map((f) => [f.path, f.content])]),
    interfaceUp: true,
    unit: { enabled: true, active: true },
    journal,
  };
}
