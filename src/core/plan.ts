import { firstHost } from "./address.ts";
import { configChange } from "./config-change.ts";
import { liveRuleChange, liveRulesStep } from "./live-rules.ts";
import { fieldFixes, fixHooks, fixSteps } from "./field-fixes.ts";
import { forwardingStep, sysctlContent } from "./forwarding.ts";
import { ipv6VerifyTargets, lanAddress } from "./dual-stack.ts";
import { needsFirewallTool } from "./firewall.ts";
import type { HostFacts } from "./host-facts.ts";
import { serviceScriptOps, type InitSystem, type UnitAction } from "./init-system.ts";
import { isJournal, journalPath } from "./journal.ts";
import { installCommand, packagesNeeded } from "./packages.ts";
import type { Binding, GatewayPlan, Op, Plan, PlannedFile, Step, TrafficEffect, VerifyTargets, Warning } from "./plan-types.ts";
import { placeholderKey, renderConfig } from "./render-config.ts";
import { lanHostsHeard } from "./lan-hosts.ts";
import { reresolveSteps } from "./reresolve.ts";
import type { Site, SiteDef } from "./site.ts";
import { peersOf, transferAddress, transferAddress6 } from "./topology.ts";
import { pairTargets, topologyWarnings } from "./plan-sites.ts";
import { chooseMtu } from "./mtu.ts";

export type PlanInput = {
  readonly site: Site;
  /** Facts of each gateway, in site order; undefined offline. */
  readonly facts?: readonly (HostFacts | undefined)[];
  /** Suffix of backup files this run makes (a timestamp, from the caller: the core has no clock). */
  readonly runId?: string;
  /** Take over an existing config of the same name that wgsite did not write (prechecks.ts). */
  readonly adopt?: boolean;
  /**
   * `wgsite rotate`: a new private key made on each gateway (the old one kept aside until both
   * verified), and with `psk` a new preshared key; the running tunnels take them live.
   */
  readonly rotate?: { readonly psk: boolean };
};

const SYSCTL_DIR = "/etc/sysctl.d";

export function sysctlPath(iface: string): string {
  return `${SYSCTL_DIR}/99-wgsite-${iface}.conf`;
}

export function keyPath(iface: string): string {
  return `/etc/wireguard/${iface}.key`;
}

export function pskPath(iface: string): string {
  return `/etc/wireguard/${iface}.psk`;
}

export function configPath(iface: string): string {
  return `/etc/wireguard/${iface}.conf`;
}

export function nftPath(iface: string): string {
  return `/etc/wireguard/${iface}.nft`;
}

/** Where a file replaced this run is kept until the run is verified (or rolled back). */
export function backupPath(path: string, runId: string): string {
  return `${path}.wgsite-backup-${runId}`;
}

function pskNeedsWriting(input: PlanInput): boolean {
  if (!input.site.tunnel.presharedKey) return false;
  if (input.rotate?.psk) return true;
  const hashes = input.site.sites.map((_, i) => input.facts?.[i]?.pskHash);
  return hashes.some((h) => !h) || new Set(hashes).size > 1;
}

/**
 * The interface a journal on this gateway made for this site under another name: the site file
 * renamed it, so wgsite retires the old one (its own) instead of refusing it as someone else's.
 */
export function retiredInterface(def: SiteDef, facts: HostFacts | undefined): string | undefined {
  return facts?.ownedInterfaces?.find((o) => o.site === def.name && o.interface !== def.interface)?.interface;
}

/**
 * The facts without the traces of an interface this run retires (its routes, addresses, port),
 * so that refusals and warnings do not take wgsite's own old tunnel for someone else's.
 */
export function withoutRetired(facts: HostFacts, retired: string | undefined): HostFacts {
  if (!retired) return facts;
  const port = facts.otherWireguard.find((w) => w.name === retired)?.listenPort;
  return {
    ...facts,
    otherWireguard: facts.otherWireguard.filter((w) => w.name !== retired),
    routes: facts.routes.filter((r) => r.dev !== retired),
    connected: facts.connected.filter((c) => c.dev !== retired),
    udpPortsInUse: port === undefined ? facts.udpPortsInUse : facts.udpPortsInUse.filter((p) => p !== port),
  };
}

export function plan(input: PlanInput): Plan {
  return { site: input.site, gateways: input.site.sites.map((_, i) => gatewayPlan(input, i)), runId: input.runId ?? "offline" };
}

/** What gateway `index` proves about the path to site `peerIndex` (its peer, or a spoke beyond the hub). */
export function verifyTargets(input: PlanInput, index: number, peerIndex: number = index === 0 ? 1 : 0): VerifyTargets {
  const { site } = input;
  const peer = site.sites[peerIndex]!;
  const localLanAddress = lanAddress(input.facts?.[index], site, index);
  const peerFacts = input.facts?.[peerIndex];
  const remoteHosts = localLanAddress && peerFacts ? lanHostsHeard(peerFacts.neighbors, peerFacts.connected, peer.lan) : [];
  return {
    interface: site.sites[index]!.interface,
    port: site.sites[index]!.endpoint.port,
    peerTunnelAddress: transferAddress(site, peerIndex),
    ...(site.tunnel.network6 ? { peerTunnelAddress6: transferAddress6(site, peerIndex)! } : {}),
    remoteProbe: lanAddress(input.facts?.[peerIndex], site, peerIndex) ?? firstHost(peer.lan[0]!),
    localLanAddress,
    ...(remoteHosts.length > 0 ? { remoteHosts } : {}),
    ...ipv6VerifyTargets(site, index, peerIndex, input.facts),
  };
}

/** The peer's public key when it is known now and stays; otherwise a token the executor binds. */
function peerKey(input: PlanInput, peerIndex: number): { key: string; binding?: Binding } {
  const peer = input.site.sites[peerIndex]!;
  const known = input.rotate ? undefined : input.facts?.[peerIndex]?.publicKey;
  if (known) return { key: known };
  const token = placeholderKey(peer.name);
  return input.facts ? { key: token, binding: { token, site: peer.name, value: "public-key" } } : { key: token };
}

/** A step's reason from its parts, none when no part applies. */
function reasonOf(parts: readonly (string | undefined)[]): { reason?: string } {
  const text = parts.filter((p): p is string => p !== undefined && p !== "").join("; ");
  return text ? { reason: text } : {};
}

function unit(init: InitSystem, action: UnitAction, iface: string): Op {
  return { op: "unit", init, action, iface };
}

function gatewayPlan(input: PlanInput, index: number): GatewayPlan {
  const { site } = input;
  const self = site.sites[index]!;
  const rawFacts = input.facts?.[index];
  const retired = retiredInterface(self, rawFacts);
  const facts = rawFacts ? withoutRetired(rawFacts, retired) : undefined;
  const iface = self.interface;
  const runId = input.runId ?? "offline";
  const init: InitSystem | "unknown" = facts ? (facts.init === "unknown" ? "unknown" : facts.init) : "systemd";
  const initOr: InitSystem = init === "unknown" ? "systemd" : init;
  const backend = facts?.firewall.backend ?? "none";
  const peerKeys = new Map(peersOf(site, index).map((p) => [p.site.name, peerKey(input, p.index)]));
  const journal = facts && isJournal(facts.journal) ? facts.journal : undefined;
  // A backup of a file wgsite wrote before is only needed until this run is verified.
  const ownFile = (path: string) => journal !== undefined && (journal.created.includes(path) || journal.backups.some((b) => b.startsWith(`${path}.wgsite-backup-`)));
  const fixes = facts ? fieldFixes(site, index, facts) : [];
  const mtu = chooseMtu(site, index, input.facts);
  const rendered = renderConfig({ site, index, peerPublicKey: (name) => peerKeys.get(name)!.key, backend, extraHooks: fixHooks(fixes), mtu, ...(facts?.peerAddresses ? { peerAddresses: facts.peerAddresses } : {}) });

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
  // Hook files an earlier run wrote that this config no longer uses (the nft table of dropped block rules).
  const stale = facts ? [nftPath(iface)].filter((p) => facts.files[p] !== undefined && !files.some((f) => f.path === p)) : [];

  const active = facts?.unit.active ?? false;
  const rotating = input.rotate !== undefined && facts?.publicKey !== undefined;
  // A gateway's own new key: a rotation applies it live (reload-peers sets the key from its file), a first one needs the restart.
  const keysChange = !facts?.publicKey;
  const pskWrite = facts ? pskNeedsWriting(input) : site.tunnel.presharedKey;
  const pskRemove = facts !== undefined && !site.tunnel.presharedKey && facts.pskHash !== undefined;
  const hookFilesChange = files.slice(1).some((f) => f.existing !== f.content) || stale.length > 0;
  const configDiff = configChange(files[0]!.existing, files[0]!.content);
  // Only restrictPort's peer addresses changed in [Interface]: taken live (live-rules.ts).
  const liveRules = active && configDiff === "interface" && !hookFilesChange && !retired && !keysChange ? liveRuleChange(files[0]!.existing, files[0]!.content) : undefined;
  const change = liveRules ? "peers" : configDiff;
  // What the running interface needs: nothing, a live reload of its peers, or down with the old config and up with the new.
  const mode: "start" | "live" | "restart" | "none" = !active
    ? "start"
    : retired || keysChange || change === "interface" || hookFilesChange
      ? "restart"
      : change === "peers" || pskWrite || pskRemove || rotating
        ? "live"
        : "none";
  const reloadUndo: Op[] = mode === "live" ? [{ op: "reload-peers", iface }] : [];

  const steps: Step[] = [];
  const packages = facts ? packagesNeeded(facts, needsFirewallTool(site, index, mtu.clampMss)) : ["wireguard-tools", "wireguard-go"];
  steps.push({
    id: "install",
    phase: "prepare",
    title: `Install ${packages.length > 0 ? packages.join(", ") : "WireGuard tools"}`,
    ...(facts ? { reason: facts.kernelWireguard ? "the kernel has the WireGuard module: wg-quick uses it (no wireguard-go)" : "the kernel has no WireGuard module: wg-quick will use wireguard-go" } : {}),
    ...(facts && packages.length === 0
      ? { ops: [], undo: [], noop: `already installed (${facts.kernelWireguard ? "kernel module" : "wireguard-go"})` }
      : { ops: [{ op: "run", sh: installCommand(facts?.packageManager ?? "apt", packages) }], undo: [] }),
  });
  const retiredKey = retired ? keyPath(retired) : undefined;
  steps.push({
    id: "keys",
    phase: "prepare",
    title: retiredKey ? `Keep the private key of ${retired} as ${keyPath(iface)} (made on the gateway if it is gone)` : `Generate the private key ${keyPath(iface)} on the gateway`,
    ...(rotating
      ? {
          title: `Make a new private key ${keyPath(iface)} on the gateway (the old one kept aside until both gateways verified)`,
          ops: [{ op: "move", from: keyPath(iface), to: backupPath(keyPath(iface), runId) }, { op: "genkey", path: keyPath(iface) }],
          undo: [{ op: "move", from: backupPath(keyPath(iface), runId), to: keyPath(iface) }, ...(active ? [{ op: "reload-peers", iface } as const] : [])],
        }
      : facts?.publicKey
      ? { ops: [], undo: [], noop: `key exists (public key ${facts.publicKey})` }
      : { ops: [{ op: "genkey", path: keyPath(iface), ...(retiredKey ? { reuse: retiredKey } : {}) }], undo: [{ op: "remove", paths: [keyPath(iface)] }] }),
  });
  if (retired) {
    const old = [configPath(retired), nftPath(retired), sysctlPath(retired), keyPath(retired), pskPath(retired), journalPath(retired)];
    steps.push({
      id: "retire",
      phase: "configure",
      title: `Retire ${retired}, the interface wgsite made for ${self.name} before: stop it and move its files aside`,
      reason: `the site file names the interface ${iface} now; ${retired}'s journal is wgsite's, so it is taken down with its own config (PreDown) and its files are removed once ${iface} is verified`,
      ops: [unit(initOr, "disable-stop", retired), { op: "sweep-rules", iface: retired }, ...old.map((p): Op => ({ op: "move", from: p, to: backupPath(p, runId) }))],
      undo: [...old.map((p): Op => ({ op: "move", from: backupPath(p, runId), to: p })), unit(initOr, "enable-start", retired)],
    });
  }
  if (mode === "restart" && !retired) {
    steps.push({
      id: "stop",
      phase: "configure",
      title: `Take ${iface} down with the config it was brought up with`,
      reason: "its PreDown lines remove exactly the rules that config added; wgsite's marked rules left by any earlier config go too",
      ops: [unit(initOr, "stop", iface), { op: "sweep-rules", iface }],
      undo: [unit(initOr, "start", iface)],
    });
  }
  for (const file of files) {
    const same = file.existing !== null && file.existing === file.content;
    steps.push({
      id: file.path === configPath(iface) ? "config" : `file:${file.path}`,
      phase: "configure",
      title: `Write ${file.path}`,
      ...reasonOf([file.existing && !same ? (ownFile(file.path) ? "replaces wgsite's earlier version" : "replaces a different file; a backup is kept beside it") : undefined, ...(file.path === configPath(iface) ? rendered.notes : [])]),
      ...(same
        ? { ops: [], undo: [], noop: "already as planned" }
        : { ops: [{ op: "write", path: file.path, mode: file.mode, content: file.content }], undo: [{ op: "restore", path: file.path, existed: file.existing !== undefined && file.existing !== null }, ...reloadUndo] }),
    });
  }
  for (const path of stale) {
    steps.push({
      id: `file:${path}`,
      phase: "configure",
      title: `Remove ${path} (no longer used by the config)`,
      ops: [{ op: "move", from: path, to: backupPath(path, runId) }],
      undo: [{ op: "move", from: backupPath(path, runId), to: path }],
    });
  }
  if (site.tunnel.presharedKey || pskRemove) {
    const psk = pskPath(iface);
    steps.push(
      pskRemove
        ? {
            id: "psk",
            phase: "configure",
            title: `Remove the preshared key ${psk} (the site file turned it off)`,
            ops: [{ op: "move", from: psk, to: backupPath(psk, runId) }],
            undo: [{ op: "move", from: backupPath(psk, runId), to: psk }, ...reloadUndo],
          }
        : {
            id: "psk",
            phase: "configure",
            title: `Write the preshared key ${psk}`,
            ...(pskWrite
              ? { ops: [{ op: "write-secret", path: psk, secret: "psk" }], undo: [{ op: "restore", path: psk, existed: facts?.pskHash !== undefined }, ...reloadUndo] }
              : { ops: [], undo: [], noop: "both gateways hold the same preshared key" }),
          },
    );
  }
  steps.push(forwardingStep(site, facts, sysctlFile, retired !== undefined));
  steps.push(...fixSteps(fixes, iface, facts));
  const service = serviceScriptOps(initOr, facts, iface);
  if (service.ops.length > 0) {
    steps.push({ id: "service-script", phase: "configure", title: `Install the OpenRC service wg-quick.${iface} (${service.created.join(", ")}): the system ships none`, ops: service.ops, undo: service.undo });
  }
  // Endpoint names re-resolved on the gateway (reresolve.ts); before the unit, whose drop-in it writes.
  if (site.sites.length === 2) steps.push(...reresolveSteps(site, index as 0 | 1, facts));
  steps.push(unitStep(facts, iface, initOr, mode));
  if (liveRules && mode === "live") steps.push(liveRulesStep(liveRules, iface));

  const bindings = [...peerKeys.values()].flatMap((k) => (k.binding ? [k.binding] : []));
  const pairs = site.sites.length > 2 ? { pairs: pairTargets(input, index) } : {};
  return {
    site: self.name,
    index,
    interface: iface,
    ssh: self.ssh,
    init,
    files,
    steps,
    warnings: [...(facts ? warnings(site, index, facts) : []), ...topologyWarnings(site, index)],
    verify: verifyTargets(input, index, peersOf(site, index)[0]!.index),
    ...pairs,
    traffic: trafficEffect(mode, iface, retired, facts !== undefined, steps),
    bindings,
    needsPsk: pskWrite && facts !== undefined,
  };
}

function unitStep(facts: HostFacts | undefined, iface: string, init: InitSystem, mode: "start" | "live" | "restart" | "none"): Step {
  const name = init === "systemd" ? `wg-quick@${iface}` : `wg-quick.${iface} (OpenRC)`;
  const enabled = facts?.unit.enabled ?? false;
  const ensureEnabled: Op[] = enabled ? [] : [unit(init, "enable", iface)];
  const keepEnabled: Op[] = enabled ? [] : [unit(init, "disable", iface)];
  switch (mode) {
    case "live":
      return {
        id: "reload",
        phase: "configure",
        title: `Reload ${iface}'s peers live (wg syncconf): no interruption`,
        reason: "only peer settings changed (keys, endpoint, keepalive, allowed IPs, preshared key): the running interface takes them without going down",
        ops: [{ op: "reload-peers", iface }, ...ensureEnabled],
        undo: keepEnabled,
      };
    case "none":
      return enabled
        ? { id: "unit", phase: "configure", title: `Enable and start ${name}`, ops: [], undo: [], noop: `${name} enabled and running with this config` }
        : { id: "unit", phase: "configure", title: `Enable ${name} (it runs, but would not come back after a reboot)`, ops: ensureEnabled, undo: keepEnabled };
    case "restart":
      return {
        id: "unit",
        phase: "configure",
        title: `Bring ${name} up with the new config`,
        ops: [unit(init, "enable-start", iface)],
        // The earlier config is back in place by the time the stop step's undo starts it again.
        undo: [unit(init, enabled ? "stop" : "disable-stop", iface), { op: "sweep-rules", iface }],
      };
    case "start":
      return {
        id: "unit",
        phase: "configure",
        title: `Enable and start ${name}`,
        ops: [unit(init, "enable-start", iface)],
        undo: [unit(init, enabled ? "stop" : "disable-stop", iface), { op: "sweep-rules", iface }],
      };
  }
}

function trafficEffect(mode: "start" | "live" | "restart" | "none", iface: string, retired: string | undefined, online: boolean, steps: readonly Step[]): TrafficEffect {
  if (!online) return { effect: "start", text: `brings ${iface} up` };
  if (retired) return { effect: "migrate", text: `moves ${retired} to ${iface}: about 1 s without traffic between the LANs` };
  switch (mode) {
    case "start":
      return { effect: "start", text: `brings ${iface} up (no tunnel runs yet)` };
    case "restart":
      return { effect: "restart", text: `restart ${iface}: about 1 s without traffic between the LANs` };
    case "live":
      return { effect: "live", text: "reload peers, no interruption" };
    case "none":
      return { effect: "none", text: steps.some((s) => !s.noop) ? "the running tunnel is not touched" : "nothing changes" };
  }
}

/** What the plan cannot fix; FORWARD, NAT, rp_filter, ufw and firewalld are field fixes (field-fixes.ts). */
function warnings(site: Site, index: number, facts: HostFacts): Warning[] {
  const out: Warning[] = [];
  const self = site.sites[index]!;
  const port = self.endpoint.port;
  if (facts.udpPortsInUse.includes(port) && !facts.interfaceUp) {
    out.push({ message: `UDP port ${port} is already in use`, fix: "pick a free port in tunnel.port or the endpoint's :port" });
  }
  if (facts.init === "unknown") {
    out.push({ message: "neither systemd nor OpenRC was found", fix: `start wg-quick up ${self.interface} from your init system` });
  }
  return out;
}
