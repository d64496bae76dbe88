import { ExitCode, ExitError } from "../core/exit-codes.ts";
import type { HostFacts } from "../core/host-facts.ts";
import type { Secret } from "../core/secret.ts";
import type { Site, SiteDef } from "../core/site.ts";
import { peersOf } from "../core/topology.ts";
import { gatherFacts, type LockOwner } from "../facts/gather.ts";
import { hostname, userInfo } from "node:os";
import type { Connection } from "./connection.ts";
import type { Emit } from "./events.ts";
import { sudoPasswordEnvNames, withPrivilege } from "./sudo.ts";
import type { Prompts } from "./prompts.ts";
import { connectSsh } from "./ssh/connect.ts";
import { HostKeyError, SshError } from "./ssh/errors.ts";
import { builtInResolverNote } from "./ssh/route.ts";
import { resolveTarget } from "./ssh/target.ts";

export type SshOptions = {
  readonly sshConfig?: string;
  readonly knownHosts?: string;
  readonly identity?: string;
  readonly connectTimeoutMs?: number;
};

/**
 * A new connection to a gateway that dropped (reboot, network), reusing what the first one learned:
 * its privilege, sudo password and facts.
 */
export async function reopenGateway(previous: GatewaySession, ssh: SshOptions, prompts: Prompts): Promise<GatewaySession> {
  const conn = await connectOne(previous.def, ssh, prompts, () => undefined);
  return { ...previous, conn, root: withPrivilege(conn, previous.facts.privilege, previous.password?.reveal()), release: () => undefined };
}

/** One gateway for the whole run: its connection, a root view of it, and what was found there. */
export type GatewaySession = {
  readonly def: SiteDef;
  readonly index: number;
  readonly conn: Connection;
  root: Connection;
  facts: HostFacts;
  password?: Secret;
  /** Frees the gateway's wgsite lock, held since the facts round trip. */
  release: () => void;
  /** Hosts of the ProxyJump hops on the way to this gateway. */
  readonly jumpHosts: readonly string[];
};

async function connectOne(def: SiteDef, ssh: SshOptions, prompts: Prompts, emit: Emit): Promise<Connection> {
  emit({ type: "connecting", site: def.name, target: def.ssh });
  let target;
  try {
    target = resolveTarget(def.ssh, { sshConfigFile: ssh.sshConfig, identityFile: ssh.identity, knownHostsFile: ssh.knownHosts });
  } catch (error) {
    throw new ExitError(ExitCode.InvalidInput, `sites.${def.name}.ssh: ${(error as Error).message}`);
  }
  if (target.resolver === "built-in" && prompts.interactive === false) noteBuiltInOnce();
  const jumpHosts = target.jumps.map((j) => j.host);
  const conn = await connectSsh(def.name, target, {
    askPassphrase: prompts.askPassphrase,
    onUnknownHost: prompts.onUnknownHost,
    recordNewHostKeys: prompts.recordNewHostKeys,
    acceptNewHostKeys: prompts.acceptNewHostKeys,
    connectTimeoutMs: ssh.connectTimeoutMs ?? 10_000,
  });
  jumpHostsOf.set(conn, jumpHosts);
  return conn;
}

let builtInNoted = false;

/** Said once per run: without OpenSSH the config is read by wgsite's parser, which lacks some features. */
function noteBuiltInOnce(): void {
  if (builtInNoted) return;
  builtInNoted = true;
  process.stderr.write(`note: ${builtInResolverNote()}\n`);
}

/** The ProxyJump hops' hosts of each connection, for the lockout guard. */
const jumpHostsOf = new WeakMap<Connection, readonly string[]>();

/** Maps SSH failures to the exit codes of the contract: host keys 4, everything else on a gateway 1. */
export function toExitError(error: unknown): unknown {
  if (error instanceof HostKeyError) {
    const hint = error.kind === "unknown" ? "; run again with --accept-new-host-keys to record it, or add it to known_hosts" : "";
    return new ExitError(ExitCode.HostKeyRefused, `${error.message}${hint}`);
  }
  if (error instanceof SshError) return new ExitError(ExitCode.GatewayFailure, error.message);
  return error;
}

/** Connects to every gateway in parallel and gathers their facts, one round trip each. */
export type OpenOptions = {
  /** Take each gateway's wgsite lock for the run (default); read-only runs (status, plan) do not. */
  readonly lock?: boolean;
  /** Measure the path MTU to each peer and resolve their endpoint names (default): what plans are made from; status measures through the tunnel instead. */
  readonly measurePaths?: boolean;
};

export async function openGateways(site: Site, ssh: SshOptions, prompts: Prompts, emit: Emit, options: OpenOptions = {}): Promise<GatewaySession[]> {
  const settled = await Promise.allSettled(site.sites.map((def) => connectOne(def, ssh, prompts, emit)));
  const failed = settled.find((s) => s.status === "rejected") as PromiseRejectedResult | undefined;
  if (failed) {
    await Promise.all(settled.map((s) => (s.status === "fulfilled" ? s.value.close() : undefined)));
    const hostKey = settled.find((s) => s.status === "rejected" && s.reason instanceof HostKeyError) as PromiseRejectedResult | undefined;
    throw toExitError((hostKey ?? failed).reason);
  }
  const conns = settled.map((s) => (s as PromiseFulfilledResult<Connection>).value);
  try {
    const sessions = await Promise.all(site.sites.map((def, i) => gatewayFacts(def, i, conns[i]!, prompts, emit, options.lock ?? true, options.measurePaths === false ? [] : peerHosts(site, i))));
    const missing = sessions.filter((s) => typeof s === "string") as string[];
    if (missing.length > 0) {
      throw new ExitError(ExitCode.InvalidInput, `missing answers (nothing was changed):\n${missing.map((m) => `  ${m}`).join("\n")}`);
    }
    return sessions as GatewaySession[];
  } catch (error) {
    await closeAll(conns);
    throw toExitError(error);
  }
}

export async function closeAll(conns: readonly Connection[]): Promise<void> {
  await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
}

/** Releases both locks and closes both connections. */
export async function closeSessions(sessions: readonly GatewaySession[]): Promise<void> {
  for (const s of sessions) s.release();
  await closeAll(sessions.map((s) => s.conn));
}

function lockOwner(): LockOwner {
  return { host: hostname(), user: userInfo().username, pid: process.pid, since: new Date().toISOString().replace(/\.\d+Z$/, "Z") };
}

/**
 * The missing-answer line for a sudo password: a script is told which variable to set,
 * a person at the wizard what to do there.
 */
export function missingSudoPassword(def: Pick<SiteDef, "name" | "ssh">, interactive: boolean): string {
  if (interactive) {
    return `${def.name}: sudo on ${def.ssh} needs a password and none was given; press Enter to connect again and type it when asked, ` +
      "or allow passwordless sudo for that user on the gateway";
  }
  const [specific, general] = sudoPasswordEnvNames(def.name);
  return `${def.name}: sudo needs a password for ${def.ssh}; set ${specific} (or ${general}), or allow passwordless sudo`;
}

/**
 * The endpoints of gateway `index`'s peers: their names are resolved, and the path MTU to each
 * measured, on the gateway (by the runs that plan; status measures through the tunnel).
 */
export function peerHosts(site: Site, index: number): string[] {
  return peersOf(site, index).flatMap((p) => (p.site.endpoint.host === undefined ? [] : [p.site.endpoint.host]));
}

async function gatewayFacts(def: SiteDef, index: number, conn: Connection, prompts: Prompts, emit: Emit, lock: boolean, peers: readonly string[] = []): Promise<GatewaySession | string> {
  const ctx = { iface: def.interface, port: def.endpoint.port, peerHosts: peers };
  const owner = lock ? lockOwner() : undefined;
  let password = prompts.knownSudoPassword(def.name);
  let held = await gatherFacts(conn, def.name, ctx, owner, password);
  if (held.outcome.kind === "need-password") {
    password = await prompts.sudoPassword(def.name);
    if (!password) return missingSudoPassword(def, prompts.interactive !== false);
    held = await gatherFacts(conn, def.name, ctx, owner, password);
  }
  const { outcome, release, shell } = held;
  if (outcome.kind === "busy") {
    throw new ExitError(ExitCode.GatewayFailure, `${def.name}: another run holds the wgsite lock for ${def.interface} (${outcome.holder}); wait for it to finish and run again`);
  }
  if (outcome.kind !== "facts") {
    release();
    return `${def.name}: ${def.ssh} is not root and has no sudo; connect as root or a user with sudo rights`;
  }
  emit({ type: "facts", site: def.name, facts: outcome.facts });
  const privileged = withPrivilege(conn, outcome.facts.privilege, password?.reveal());
  shell?.fallBackTo(privileged);
  const root = shell ?? privileged;
  return { def, index, conn, root, facts: outcome.facts, release, jumpHosts: jumpHostsOf.get(conn) ?? [], ...(password ? { password } : {}) };
}
