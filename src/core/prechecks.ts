import { cidrsOverlap, networkOfPrefix } from "./address.ts";
import type { HostFacts } from "./host-facts.ts";
import { isJournal, journalPath } from "./journal.ts";
import { missingPackages } from "./packages.ts";
import { needsFirewallTool } from "./firewall.ts";
import type { Problem, Site } from "./site.ts";

export type PrecheckOptions = {
  /** Take over an existing config of the same name that wgsite did not write (a backup is kept). */
  readonly adopt?: boolean;
};

/** The first port from `port` up that no gateway uses for anything. */
function freePort(port: number, facts: readonly HostFacts[]): number {
  const taken = new Set(facts.flatMap((f) => [...f.udpPortsInUse, ...f.otherWireguard.flatMap((w) => (w.listenPort ? [w.listenPort] : []))]));
  let free = port + 1;
  while (taken.has(free) && free < 65535) free++;
  return free;
}

/**
 * Conflicts found in the facts that must stop a run before any change: another WireGuard
 * interface on the port or the transfer net, the port held by some other program, or a config of
 * the same name that wgsite did not write (unless adopted).
 */
export function precheck(site: Site, facts: readonly HostFacts[], options: PrecheckOptions = {}): Problem[] {
  const problems: Problem[] = [];
  site.sites.forEach((def, i) => {
    const f = facts[i]!;
    const port = def.endpoint.port;
    const fix = `set tunnel.port (or the endpoint's :port) to a free port such as ${freePort(port, facts)}`;
    const ours = isJournal(f.journal);
    for (const m of missingPackages(f, needsFirewallTool(site))) {
      problems.push({ path: `sites.${def.name}`, message: `${m.pkg} is not in the enabled repositories of ${def.name}'s gateway (${f.os.prettyName}); ${m.fix}, and run wgsite again` });
    }
    for (const other of f.otherWireguard) {
      if (other.listenPort === port) {
        problems.push({ path: `sites.${def.name}`, message: `UDP port ${port} is already the ListenPort of WireGuard interface ${other.name} on ${def.name}'s gateway; ${fix}` });
      }
      const clash = other.addresses.find((a) => {
        const net = networkOfPrefix(a);
        return net !== undefined && cidrsOverlap(site.tunnel.network, net);
      });
      if (clash) {
        problems.push({ path: "tunnel.network", message: `${site.tunnel.network.text} overlaps ${clash}, the address of WireGuard interface ${other.name} on ${def.name}'s gateway; pick another transfer net` });
      }
    }
    if (f.udpPortsInUse.includes(port) && !f.interfaceUp && !f.otherWireguard.some((w) => w.listenPort === port)) {
      problems.push({ path: `sites.${def.name}`, message: `UDP port ${port} is already in use on ${def.name}'s gateway by another program (ss -ulpn 'sport = :${port}' names it); ${fix}` });
    }
    if (!ours && f.existingConfig !== undefined && !options.adopt) {
      problems.push({
        path: `sites.${def.name}.interface`,
        message: `/etc/wireguard/${def.interface}.conf exists on ${def.name}'s gateway and wgsite did not write it (no ${journalPath(def.interface)}); rerun with --adopt to take it over (a backup is kept beside it and restored by wgsite remove), or pick another interface name`,
      });
    } else if (!ours && f.existingConfig === undefined && f.interfaceUp) {
      problems.push({ path: `sites.${def.name}.interface`, message: `interface ${def.interface} already exists on ${def.name}'s gateway without a config in /etc/wireguard; wgsite did not create it: pick another interface name` });
    }
  });
  return problems;
}
