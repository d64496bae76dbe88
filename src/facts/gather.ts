import type { HostFacts } from "../core/host-facts.ts";
import type { Secret } from "../core/secret.ts";
import { ExitCode, ExitError } from "../core/exit-codes.ts";
import type { Connection } from "../remote/connection.ts";
import { sudoPasswordEnvNames } from "../remote/sudo.ts";
import { quote } from "../core/shell.ts";
import { isAddressLiteral } from "../core/address.ts";
import { connected } from "./connected.ts";
import { existingConfig } from "./existing-config.ts";
import type { Fact, FactContext } from "./fact.ts";
import { firewall } from "./firewall.ts";
import { initSystem } from "./init-system.ts";
import { installedTools } from "./installed-tools.ts";
import { interfaceState } from "./interface-state.ts";
import { ipForward } from "./ip-forward.ts";
import { ip6Forward } from "./ip6-forward.ts";
import { connected6 } from "./connected6.ts";
import { journal } from "./journal.ts";
import { lanNeighbors } from "./lan-neighbors.ts";
import { kernelWireguard } from "./kernel-wireguard.ts";
import { managedFiles } from "./managed-files.ts";
import { osRelease } from "./os-release.ts";
import { ownedInterfaces } from "./owned-interfaces.ts";
import { otherWireguard } from "./other-wireguard.ts";
import { packageManager } from "./package-manager.ts";
import { pathMtu } from "./path-mtu.ts";
import { peerEndpoint } from "./peer-endpoint.ts";
import { pskHash } from "./psk-hash.ts";
import { revertArmed } from "./revert-armed.ts";
import { publicKey } from "./public-key.ts";
import { routes } from "./routes.ts";
import { rpFilter } from "./rp-filter.ts";
import { serviceScript } from "./service-script.ts";
import { wireguardPackages } from "./wireguard-packages.ts";
import { udpPorts } from "./udp-ports.ts";
import { unitState } from "./unit-state.ts";
import { randomBytes } from "node:crypto";
import { RootShell, rootShellLoop } from "../remote/root-shell.ts";

export const ALL_FACTS = [
  osRelease,
  packageManager,
  initSystem,
  kernelWireguard,
  installedTools,
  existingConfig,
  publicKey,
  pskHash,
  managedFiles,
  interfaceState,
  unitState,
  ipForward,
  ip6Forward,
  rpFilter,
  firewall,
  udpPorts,
  otherWireguard,
  routes,
  connected,
  connected6,
  lanNeighbors,
  peerEndpoint,
  pathMtu,
  journal,
  serviceScript,
  wireguardPackages,
  ownedInterfaces,
  revertArmed,
] as const;

const MARK = "@@wgsite-fact";

/** One script that runs every fact, each output framed by markers so one parser can split them. */
export function factsScript(ctx: FactContext, facts: readonly Fact<unknown>[] = ALL_FACTS): string {
  return facts.map((f) => `echo '${MARK} ${f.id}'; { ${f.command(ctx)} ; } 2>/dev/null; echo; echo '${MARK}-end'`).join("\n");
}

export type Privilege = HostFacts["privilege"];

/** Who holds a gateway's lock, as shown to a second run that has to wait for it. */
export type LockOwner = { readonly host: string; readonly user: string; readonly pid: number; readonly since: string };

const LOCK_WAIT_SEC = 10;

/**
 * Takes the gateway's wgsite lock for this interface (waiting briefly for another run), then runs
 * the facts. The lock is held by `cat` on the session's stdin: it ends, and frees the lock, when
 * wgsite closes the session or the connection dies, so a crashed run never leaves it stuck.
 */
export function lockedFactsScript(ctx: FactContext, owner: LockOwner | undefined, nonce = "0"): string {
  if (!owner) return factsScript(ctx);
  const dir = "/run/wgsite";
  const lock = `${dir}/${ctx.iface}.lock`;
  const who = `${dir}/${ctx.iface}.owner`;
  const ownerText = quote(`wgsite run by ${owner.user}@${owner.host} (pid ${owner.pid}) since ${owner.since}`);
  return [
    `mkdir -p ${dir} && exec 9>>${lock}`,
    `if ! flock -n 9; then echo "@@wgsite-waiting $(cat ${who} 2>/dev/null)"; if ! flock -w ${LOCK_WAIT_SEC} 9; then echo "@@wgsite-busy $(cat ${who} 2>/dev/null)"; exit 0; fi; fi`,
    `printf '%s\\n' ${ownerText} > ${who}`,
    factsScript(ctx),
    "echo @@wgsite-locked",
    rootShellLoop(nonce),
  ].join("\n");
}

/**
 * Runs as the login user: notes the SSH client address (sudo would strip SSH_CONNECTION), then
 * becomes root the cheapest way that works, all in the same round trip.
 */
export function gatherScript(ctx: FactContext, havePassword: boolean, owner?: LockOwner, nonce?: string): string {
  const inner = quote(lockedFactsScript(ctx, owner, nonce));
  return [
    'echo "@@ssh-client ${SSH_CONNECTION%% *}"',
    `if [ "$(id -u)" = 0 ]; then echo '@@priv root'; sh -c ${inner};`,
    `elif sudo -n -k true 2>/dev/null; then echo '@@priv sudo-nopasswd'; sudo -n sh -c ${inner};`,
    havePassword
      ? `else echo '@@priv sudo-password'; sudo -S -k -p '' sh -c ${inner} || echo '@@sudo-failed'; fi`
      : `elif command -v sudo >/dev/null 2>&1; then echo '@@priv need-password'; else echo '@@priv no-sudo'; fi`,
  ].join("\n");
}

export function splitFacts(output: string): Map<string, string> {
  const parts = new Map<string, string>();
  const re = new RegExp(`^${MARK} (\\S+)\\n([\\s\\S]*?)\\n?${MARK}-end$`, "gm");
  for (let m = re.exec(output); m; m = re.exec(output)) parts.set(m[1]!, m[2]!.replace(/\n$/, ""));
  return parts;
}

export type GatherOutcome =
  | { readonly kind: "facts"; readonly facts: HostFacts & { readonly firewallRaw: { iptables: string; nft: string } } }
  | { readonly kind: "need-password" }
  | { readonly kind: "no-privilege" };

export function parseGather(output: string, ctx: FactContext): GatherOutcome {
  const priv = /^@@priv (\S+)$/m.exec(output)?.[1];
  if (priv === "need-password") return { kind: "need-password" };
  if (priv === "no-sudo" || !priv) return { kind: "no-privilege" };
  const parts = splitFacts(output);
  const get = <T>(fact: Fact<T>): T => fact.parse(parts.get(fact.id) ?? "", ctx);
  const fw = get(firewall);
  const { raw, ...fwFacts } = fw;
  const client = /^@@ssh-client (\S+)$/m.exec(output)?.[1];
  const measured = parts.has(pathMtu.id) ? get(pathMtu) : undefined;
  const facts = {
    os: get(osRelease),
    packageManager: get(packageManager),
    init: get(initSystem),
    kernelWireguard: get(kernelWireguard),
    installed: get(installedTools),
    existingConfig: get(existingConfig),
    publicKey: get(publicKey),
    pskHash: get(pskHash),
    files: get(managedFiles),
    interfaceUp: get(interfaceState),
    unit: get(unitState),
    ipForward: get(ipForward),
    rpFilter: get(rpFilter),
    firewall: fwFacts,
    udpPortsInUse: get(udpPorts),
    otherWireguard: get(otherWireguard),
    routes: get(routes),
    connected: get(connected),
    ...(parts.has(lanNeighbors.id) ? { neighbors: get(lanNeighbors) } : {}),
    ...(parts.has(ip6Forward.id) ? { ip6Forward: get(ip6Forward) } : {}),
    ...(parts.has(connected6.id) ? { connected6: get(connected6) } : {}),
    ...((ctx.peerHosts ?? []).some((h) => !isAddressLiteral(h)) && parts.has(peerEndpoint.id) ? { peerAddresses: get(peerEndpoint) } : {}),
    ...(measured ? { pathMtu: measured } : {}),
    journal: get(journal),
    ...(parts.has(serviceScript.id) ? { serviceScript: get(serviceScript) } : {}),
    ...(parts.has(wireguardPackages.id) ? { wireguardPackages: get(wireguardPackages) } : {}),
    ...(parts.has(ownedInterfaces.id) ? { ownedInterfaces: get(ownedInterfaces) } : {}),
    ...(get(revertArmed) ? { revertArmed: true } : {}),
    privilege: priv as Privilege,
    firewallRaw: raw,
    ...(client ? { sshClient: client } : {}),
  };
  return { kind: "facts", facts };
}

export type HeldFacts = {
  readonly outcome: GatherOutcome | { readonly kind: "busy"; readonly holder: string };
  /** Lets go of the gateway's lock (ends the session's stdin). */
  readonly release: () => void;
  /** With the lock held: the root shell that runs the rest of the run's commands on the same channel. */
  readonly shell?: RootShell;
};

const LOCKED = "@@wgsite-locked\n";

/**
 * Gathers every fact of one gateway in one round trip and keeps that command open, holding the
 * gateway's lock, until `release` (or the connection closes); meanwhile it is the run's root shell.
 */
export async function gatherFacts(conn: Connection, label: string, ctx: FactContext, owner: LockOwner | undefined, password?: Secret): Promise<HeldFacts> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let output = "";
  let locked = false;
  let settle!: () => void;
  const ready = new Promise<void>((resolve) => (settle = resolve));
  const nonce = randomBytes(6).toString("hex");
  const shell = owner ? new RootShell(conn, nonce) : undefined;
  const run = conn.exec(gatherScript(ctx, password !== undefined, owner, nonce), {
    ...(password ? { stdin: `${password.reveal()}\n` } : {}),
    ...(owner ? { holdStdin: held, feedStdin: (write: (text: string) => void) => shell!.attach(write) } : {}),
    onStdout: (chunk) => {
      if (locked) {
        shell?.receive(chunk);
        return;
      }
      output += chunk;
      const at = output.indexOf(LOCKED);
      if (at >= 0 && (at === 0 || output[at - 1] === "\n")) {
        locked = true;
        const rest = output.slice(at + LOCKED.length);
        output = output.slice(0, at + LOCKED.length);
        settle();
        if (rest) shell?.receive(rest);
      } else if (/^@@wgsite-busy/m.test(output)) settle();
    },
  });
  const finished = run.then(
    (result) => {
      if (!locked) output = result.stdout;
      shell?.ended(new Error(`${label}: the root shell ended (exit ${result.code})`));
      settle();
    },
    (error: unknown) => {
      shell?.ended(error instanceof Error ? error : new Error(String(error)));
      settle();
      throw error;
    },
  );
  await Promise.race([ready, finished]);
  if (!/^@@wgsite-locked/m.test(output)) {
    await finished;
    release();
  }
  if (output.includes("@@sudo-failed") || (/^@@priv sudo-password$/m.test(output) && !output.includes("@@wgsite-"))) {
    release();
    const [specific, general] = sudoPasswordEnvNames(label);
    throw new ExitError(ExitCode.InvalidInput, `${label}: the sudo password was rejected; set ${specific} or ${general} to the right one`);
  }
  const busy = /^@@wgsite-busy (.*)$/m.exec(output);
  if (busy) return { outcome: { kind: "busy", holder: busy[1]!.trim() || "another wgsite run" }, release };
  return { outcome: parseGather(output, ctx), release, ...(locked && shell ? { shell } : {}) };
}
