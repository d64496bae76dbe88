import { cidrContains, firstHost, parseAddress, transferAddresses } from "./address.ts";
import { fieldFixes, fixHooks, fixSteps } from "./field-fixes.ts";
import { forwardingStep, sysctlContent } from "./forwarding.ts";
import { ipv6VerifyTargets } from "./dual-stack.ts";
import { needsFirewallTool } from "./firewall.ts";
import type { HostFacts } from "./host-facts.ts";
import { installCommand, packagesNeeded } from "./packages.ts";
import type { GatewayPlan, Plan, PlannedFile, Step, VerifyTargets, Warning } from "./plan-types.ts";
import { placeholderKey, renderConfig } from "./render-config.ts";
import { atomicWrite, quote, restoreWrite } from "./shell.ts";
import { lanHostsHeard } from "./lan-hosts.ts";
import { chooseMtu } from "./mtu.ts";
import type { Site } from "./site.ts";

export type PlanInput = {
  readonly site: Site;
  /** Facts of each gateway; undefined offline. */
  readonly facts?: readonly [HostFacts | undefined, HostFacts | undefined];
  /** Public keys known so far (from facts or the key step); placeholders where not. */
  readonly publicKeys?: readonly [string | undefined, string | undefined];
  /** Suffix of backup files this run makes (a timestamp, from the caller: the core has no clock). */
  readonly runId?: string;
  /** Take over an existing config of the same name that wgsite did not write (prechecks.ts). */
  readonly adopt?: boolean;
};

const SYSCTL_DIR = "/etc/sysctl.d";

export function sysctlPath(iface: string): string {
  return `${SYSCTL_DIR}/99-wgsite-${iface}.conf`;
}

export function keyPath(iface: string): string {
  return `/etc/wireguard/${iface}.key`;
}

export function configPath(iface: string): string {
  return `/etc/wireguard/${iface}.conf`;
}

function pskNeedsWriting(input: PlanInput): boolean {
  if (!input.site.tunnel.presharedKey) return false;
  const [a, b] = input.facts ?? [];
  return !a?.pskHash || !b?.pskHash || a.pskHash !== b.pskHash;
}

export function plan(input: PlanInput): Plan {
  return { gateways: [gatewayPlan(input, 0), gatewayPlan(input, 1)] };
}

function lanAddress(facts: HostFacts | undefined, site: Site, index: 0 | 1): string | undefined {
  for (const net of facts?.connected ?? []) {
    const address = parseAddress(net.address);
    if (address && site.sites[index].lan.some((lan) => cidrContains(lan, address))) return net.address;
  }
  return undefined;
}

function verifyTargets(input: PlanInput, index: 0 | 1): VerifyTargets {
  const { site } = input;
  const peerIndex = index === 0 ? 1 : 0;
  const peer = site.sites[peerIndex];
  const localLanAddress = lanAddress(input.facts?.[index], site, index);
  const peerFacts = input.facts?.[peerIndex];
  const remoteHosts = localLanAddress && peerFacts ? lanHostsHeard(peerFacts.neighbors, peerFacts.connected, peer.lan) : [];
  return {
    interface: site.sites[index].interface,
    peerTunnelAddress: transferAddresses(site.tunnel.network)[peerIndex],
    remoteProbe: lanAddress(input.facts?.[peerIndex], site, peerIndex) ?? firstHost(peer.lan[0]!),
    localLanAddress,
    ...(remoteHosts.length > 0 ? { remoteHosts } : {}),
    ...ipv6VerifyTargets(site, index, input.facts),
  };
}

function gatewayPlan(input: PlanInput, index: 0 | 1): GatewayPlan {
  const { site } = input;
  const self = site.sites[index];
  const peerIndex = index === 0 ? 1 : 0;
  const peer = site.sites[peerIndex];
  const facts = input.facts?.[index];
  const iface = self.interface;
  const runId = input.runId ?? "offline";
  const backend = facts?.firewall.backend ?? "none";
  const peerKey = input.publicKeys?.[peerIndex] ?? input.facts?.[peerIndex]?.publicKey ?? placeholderKey(peer.name);
  // Field fixes (field-fixes.ts): hooks in the config, and one step each before the unit.
  const fixes = facts ? fieldFixes(site, index, facts) : [];
  const mtu = chooseMtu(site, index, input.facts);
  const rendered = renderConfig({ site, index, peerPublicKey: peerKey, backend, extraHooks: fixHooks(fixes), mtu, ...(facts?.peerAddresses ? { peerAddresses: facts.peerAddresses } : {}) });

  const files: PlannedFile[] = [
    { path: configPath(iface), mode: "0600", owner: "root:root", content: rendered.content, existing: facts ? facts.existingConfig : null },
    ...rendered.hooks.files.map((f): PlannedFile => ({ path: f.path, mode: "0600", owner: "root:root", content: f.content, existing: facts ? facts.files[f.path] : null })),
  ];
  const sysctlFile: PlannedFile = {
    path: sysctlPath(iface),
    mode: "0644",
    owner: "root:root",
    content: sysctlContent(site, iface),
    existing: facts ? facts.files[sysctlPath(iface)] : null,
  };

  const steps: Step[] = [];
  const packages = facts ? packagesNeeded(facts, needsFirewallTool(site, mtu.clampMss)) : ["wireguard-tools", "wireguard-go"];
  steps.push({
    id: "install",
    title: `Install ${packages.length > 0 ? packages.join(", ") : "WireGuard tools"}`,
    reason: facts && !facts.kernelWireguard ? "the kernel has no WireGuard module: wg-quick will use wireguard-go" : undefined,
    check: "command -v wg >/dev/null && command -v wg-quick >/dev/null",
    change: installCommand(facts?.packageManager ?? "apt", packages),
    undo: "true",
    ...(facts && packages.length === 0 ? { noop: `already installed (${facts.kernelWireguard ? "kernel module" : "wireguard-go"})` } : {}),
  });
  steps.push({
    id: "keys",
    title: `Generate the private key ${keyPath(iface)} on the gateway`,
    check: `test -s ${keyPath(iface)}`,
    change: `mkdir -p /etc/wireguard && (umask 077 && wg genkey > ${keyPath(iface)}.wgsite-tmp) && mv -f ${keyPath(iface)}.wgsite-tmp ${keyPath(iface)}`,
    undo: `rm -f ${keyPath(iface)}`,
    ...(facts?.publicKey ? { noop: `key exists (public key ${facts.publicKey})` } : {}),
  });
  if (site.tunnel.presharedKey) {
    const psk = `/etc/wireguard/${iface}.psk`;
    steps.push({
      id: "psk",
      title: `Write the preshared key ${psk}`,
      check: `test -s ${psk}`,
      // The PSK arrives on stdin as $WGSITE_PSK, read by the batch prelude: never in argv.
      change: `{ [ ! -e ${psk} ] || cp -p ${psk} ${psk}.wgsite-backup-${runId}; } && (umask 077 && printf '%s\\n' "$WGSITE_PSK" > ${psk}.wgsite-tmp) && mv -f ${psk}.wgsite-tmp ${psk}`,
      undo: restoreWrite(psk, runId, facts?.pskHash !== undefined),
      ...(facts && !pskNeedsWriting(input) ? { noop: "both gateways hold the same preshared key" } : {}),
    });
  }
  for (const file of files) {
    const same = file.existing !== null && file.existing === file.content;
    steps.push({
      id: file.path === configPath(iface) ? "config" : `file:${file.path}`,
      title: `Write ${file.path}`,
      reason: [file.existing ? "replaces a different file; a backup is kept beside it" : undefined, ...(file.path === configPath(iface) ? rendered.notes : [])].filter(Boolean).join("; ") || undefined,
      check: `printf %s ${quote(file.content)} | cmp -s - ${file.path}`,
      change: atomicWrite(file.path, file.content, file.mode, runId),
      undo: restoreWrite(file.path, runId, file.existing !== undefined && file.existing !== null),
      ...(same ? { noop: "already as planned" } : {}),
    });
  }
  steps.push(forwardingStep(site, facts, sysctlFile, runId));
  steps.push(...fixSteps(fixes, iface, facts));
  steps.push(unitStep(input, index, steps));
  return {
    site: self.name,
    index,
    interface: iface,
    ssh: self.ssh,
    files,
    steps,
    warnings: facts ? warnings(site, index, facts) : [],
    verify: verifyTargets(input, index),
  };
}

function unitStep(input: PlanInput, index: 0 | 1, before: readonly Step[]): Step {
  const facts = input.facts?.[index];
  const iface = input.site.sites[index].interface;
  const unit = `wg-quick@${iface}`;
  const changed = before.some((s) => (s.id === "config" || s.id.startsWith("file:") || s.id === "psk" || s.id === "keys") && !s.noop);
  if (facts?.init === "openrc") {
    const svc = `wg-quick.${iface}`;
    return {
      id: "unit",
      title: `Enable and start ${svc} (OpenRC)`,
      check: `rc-service ${svc} status >/dev/null 2>&1`,
      change: `{ [ -e /etc/init.d/${svc} ] || ln -s wg-quick /etc/init.d/${svc}; } && rc-update add ${svc} default && rc-service ${svc} ${facts.unit.active ? "restart" : "start"}`,
      undo: facts.unit.enabled ? `rc-service ${svc} restart` : `rc-service ${svc} stop; rc-update del ${svc} default`,
      ...(facts.unit.enabled && facts.unit.active && !changed ? { noop: `${svc} enabled and running` } : {}),
    };
  }
  // `syncconf` would not update routes or hooks, so a changed config means a restart.
  const action = facts?.unit.active && changed ? `systemctl enable -q ${unit} && systemctl restart ${unit}` : `systemctl enable -q --now ${unit}`;
  return {
    id: "unit",
    title: facts?.unit.active && changed ? `Restart ${unit} with the new config` : `Enable and start ${unit}`,
    check: `systemctl is-enabled -q ${unit} && systemctl is-active -q ${unit}`,
    change: facts && facts.init !== "systemd" ? `echo "neither systemd nor OpenRC found: start wg-quick up ${iface} from your init system" >&2; exit 1` : action,
    undo: facts?.unit.active
      ? `systemctl restart ${unit}${facts.unit.enabled ? "" : ` && systemctl disable -q ${unit}`}`
      : `systemctl disable -q --now ${unit}${facts?.unit.enabled ? ` && systemctl enable -q ${unit}` : ""}`,
    ...(facts && facts.unit.enabled && facts.unit.active && !changed ? { noop: `${unit} enabled and running with this config` } : {}),
  };
}

/** What the plan cannot fix; FORWARD, NAT, rp_filter, ufw and firewalld are field fixes (field-fixes.ts). */
function warnings(site: Site, index: 0 | 1, facts: HostFacts): Warning[] {
  const out: Warning[] = [];
  const self = site.sites[index];
  const port = self.endpoint.port;
  if (facts.udpPortsInUse.includes(port) && !facts.interfaceUp) {
    out.push({ message: `UDP port ${port} is already in use`, fix: "pick a free port in tunnel.port or the endpoint's :port" });
  }
  return out;
}
