import { lanFamilies } from "./firewall.ts";
import type { HostFacts } from "./host-facts.ts";
import type { Op, PlannedFile, Step } from "./plan-types.ts";
import type { Site } from "./site.ts";

type Forwarding = { readonly key: string; readonly short: string; readonly state: (facts: HostFacts) => { runtime: boolean; persisted: boolean } | undefined };

const IPV4: Forwarding = { key: "net.ipv4.ip_forward", short: "ip_forward", state: (f) => f.ipForward };
const IPV6: Forwarding = { key: "net.ipv6.conf.all.forwarding", short: "IPv6 forwarding", state: (f) => f.ip6Forward };

/** The forwarding sysctls this site needs: IPv4 always (the transfer net), IPv6 when a LAN is IPv6. */
export function forwardingKeys(site: Site): readonly Forwarding[] {
  return lanFamilies(site).includes("ipv6") ? [IPV4, IPV6] : [IPV4];
}

export function sysctlContent(site: Site, iface: string): string {
  return `# managed by wgsite: routed site-to-site traffic through ${iface}\n${forwardingKeys(site).map((f) => `${f.key} = 1\n`).join("")}`;
}

/**
 * The step that turns forwarding on now and after reboot, for each family the LANs have. Nothing
 * to do when each is on and persisted (by wgsite's drop-in or the operator's own sysctl files); a
 * retired interface's drop-in may be what persists it now, and that one goes.
 */
export function forwardingStep(site: Site, facts: HostFacts | undefined, file: PlannedFile, retiring: boolean): Step {
  const keys = forwardingKeys(site);
  const v6 = keys.length > 1;
  const states = facts ? keys.map((k) => k.state(facts)) : [];
  const written = file.existing === file.content;
  const done = facts !== undefined && states.every((s) => s !== undefined && s.runtime && ((s.persisted && !retiring) || written));
  const base = {
    id: "forwarding" as const,
    phase: "configure" as const,
    title: `Enable ${v6 ? "IPv4 and IPv6" : "IPv4"} forwarding (now and after reboot)`,
    ...(v6 ? { reason: "with IPv6 forwarding on, the kernel ignores router advertisements on interfaces whose accept_ra is 1: a gateway that takes its IPv6 default route from them needs accept_ra=2 there" } : {}),
  };
  if (done) return { ...base, ops: [], undo: [], noop: `${keys.map((k) => k.short).join(" and ")} already 1${states.every((s) => s!.persisted) ? " and persisted" : ""}` };
  const turnOff: Op[] = facts ? keys.filter((k) => !k.state(facts)?.runtime).map((k) => ({ op: "run", sh: `sysctl -q -w ${k.key}=0` })) : [];
  return {
    ...base,
    ops: [...(written ? [] : [{ op: "write", path: file.path, mode: file.mode, content: file.content } as const]), ...keys.map((k): Op => ({ op: "run", sh: `sysctl -q -w ${k.key}=1` }))],
    undo: [...(written ? [] : [{ op: "restore", path: file.path, existed: file.existing !== undefined && file.existing !== null } as const]), ...turnOff],
  };
}
