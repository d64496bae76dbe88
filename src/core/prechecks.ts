import { cidrContains, parseAddress } from "./address.ts";
import type { HostFacts } from "./host-facts.ts";
import type { Problem, Site } from "./site.ts";

/**
 * Conflicts found in the facts that must stop a run before any change: another WireGuard
 * interface on the port or the transfer net, or the port held by some other program.
 */
export function precheck(site: Site, facts: readonly [HostFacts, HostFacts]): Problem[] {
  const problems: Problem[] = [];
  site.sites.forEach((def, i) => {
    const f = facts[i]!;
    const port = def.endpoint.port;
    const taken = new Set([...f.udpPortsInUse, ...f.otherWireguard.map((w) => w.listenPort ?? 0)]);
    let freePort = port + 1;
    while (taken.has(freePort)) freePort++;
    const fix = `set tunnel.port (or the endpoint's :port) to a free port such as ${freePort}`;
    for (const other of f.otherWireguard) {
      if (other.listenPort === port) {
        problems.push({ path: `sites.${def.name}`, message: `UDP port ${port} is already the ListenPort of WireGuard interface ${other.name} on the gateway; ${fix}` });
      }
      const clash = other.addresses.find((a) => {
        const address = parseAddress(a.split("/")[0] ?? "");
        return address !== undefined && cidrContains(site.tunnel.network, address);
      });
      if (clash) {
        problems.push({ path: "tunnel.network", message: `${site.tunnel.network.text} is already used by WireGuard interface ${other.name} (${clash}) on ${def.name}'s gateway; pick another transfer net` });
      }
    }
    if (f.udpPortsInUse.includes(port) && !f.interfaceUp && !f.otherWireguard.some((w) => w.listenPort === port)) {
      problems.push({ path: `sites.${def.name}`, message: `UDP port ${port} is already in use on the gateway by another program; ${fix}` });
    }
  });
  return problems;
}
