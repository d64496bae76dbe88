import { Socket } from "node:net";
import type { Duplex } from "node:stream";
import ssh2, { type ConnectConfig } from "ssh2";
import type { Connection } from "../connection.ts";
import { makeAuth, type AskPassphrase } from "./auth.ts";
import { HostKeyError, SshError, type SshErrorKind } from "./errors.ts";
import { knownHostsFilesOf, lookupName, readKnownHosts, verifyHostKey, type UnknownHostInfo } from "./host-key.ts";
import type { KeyCache } from "./key-cache.ts";
import { knownKeyTypes } from "./known-hosts.ts";
import { startProxyCommand, type ProxyProcess } from "./proxy-command.ts";
import { hostPort, sshFailure, type Where } from "./messages.ts";
import { SshSession, track, type TrackedClient } from "./session.ts";
import type { ResolvedTarget } from "./target.ts";
import { trace } from "../trace.ts";

export type ConnectOptions = {
  readonly askPassphrase: AskPassphrase;
  /** Asked for a host key that is in no known_hosts file; `jumpHost` is set when it is a ProxyJump hop. */
  readonly onUnknownHost: (info: UnknownHostInfo & { readonly jumpHost?: string }) => Promise<boolean>;
  readonly recordNewHostKeys: boolean;
  /** --accept-new-host-keys: trust new hosts even under StrictHostKeyChecking yes. */
  readonly acceptNewHostKeys?: boolean;
  /** Per hop, for TCP connect + handshake + login; paused while a prompt waits for a person. Default 10000. */
  readonly connectTimeoutMs?: number;
  /** Defaults to SSH_AUTH_SOCK. */
  readonly agentSocket?: string;
  /** The run's decrypted keys; by default shared by every connection with the same askPassphrase. */
  readonly keys?: KeyCache;
  /** Detects a silently dead path during long commands. Default 15000; 0 disables. */
  readonly keepaliveIntervalMs?: number;
};

/**
 * Opens one session to the gateway, through its ProxyJump hops or its ProxyCommand,
 * each host key verified by its own name.
 */
export async function connectSsh(label: string, target: ResolvedTarget, opts: ConnectOptions): Promise<Connection> {
  const hops = [...target.jumps, { ...target, jumps: [] }];
  const clients: TrackedClient[] = [];
  let outer: Socket | undefined;
  let proxy: ProxyProcess | undefined;
  try {
    for (const [i, hop] of hops.entries()) {
      const isGateway = i === hops.length - 1;
      const where: Where = { label, host: hop.host, port: hop.port, user: hop.user, via: isGateway ? undefined : hop.name };
      let sock: Duplex;
      if (i === 0 && hop.proxyCommand !== undefined) {
        proxy = startProxyCommand(hop.proxyCommand);
        sock = proxy.sock;
      } else if (i === 0) {
        outer = new Socket();
        outer.setNoDelay(true);
        sock = outer;
      } else {
        sock = await forward(clients[i - 1]!.client, hops[i - 1]!.name, where, opts.connectTimeoutMs ?? 10_000);
      }
      clients.push(await connectHop(where, hop, sock, i === 0 && proxy === undefined, opts));
    }
  } catch (err) {
    for (const c of clients.reverse()) c.client.destroy();
    outer?.destroy();
    if (proxy === undefined) throw err;
    const detail = await proxyDetail(proxy, hops[0]!.proxyCommand!);
    proxy.stop();
    throw withDetail(err, detail);
  }
  const gateway = hops[hops.length - 1]!;
  const socket = outer;
  // All hops' traffic crosses the first socket (or the ProxyCommand's pipes), so it is the real cost on the wire.
  const counters = socket !== undefined
    ? { bytesIn: () => socket.bytesRead, bytesOut: () => socket.bytesWritten }
    : { bytesIn: proxy!.bytesIn, bytesOut: proxy!.bytesOut };
  return new SshSession(label, { label, host: gateway.host, port: gateway.port, user: gateway.user }, clients, counters, proxy?.stop);
}

/** The ProxyCommand's own account of a failure: how it ended and what it wrote to stderr. */
async function proxyDetail(proxy: ProxyProcess, command: string): Promise<string> {
  // A proxy that failed usually exits right after the handshake broke; give it a moment to say why.
  for (let i = 0; i < 20 && proxy.exit() === undefined; i++) await new Promise((r) => setTimeout(r, 25));
  const stderr = proxy.stderr();
  return `ProxyCommand "${command}" ${proxy.exit() ?? "is still running"}${stderr === "" ? "" : `: ${stderr.split("\n").join(" | ")}`}`;
}

function withDetail(err: unknown, detail: string): unknown {
  if (err instanceof SshError) return new SshError(err.kind, err.label, `${err.message} (${detail})`, { cause: err.cause });
  if (err instanceof HostKeyError) return err;
  return err instanceof Error ? new Error(`${err.message} (${detail})`, { cause: err }) : err;
}

function connectHop(
  where: Where,
  hop: ResolvedTarget,
  sock: Duplex,
  dialTcp: boolean,
  opts: ConnectOptions,
): Promise<TrackedClient> {
  const timeoutMs = opts.connectTimeoutMs ?? 10_000;
  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    let step: "connecting" | "authenticating" = "connecting";
    let settled = false;
    let hostKeyError: HostKeyError | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      stopTimer();
      client.removeAllListeners("ready");
      client.destroy();
      sock.destroy();
      reject(err);
    };
    const startTimer = () => {
      stopTimer();
      timer = setTimeout(() => {
        fail(sshFailure("connect-timeout", where, step, `no progress within ${timeoutMs} ms`));
      }, timeoutMs);
    };
    const stopTimer = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
    // A person answering a prompt is not a slow server.
    const paused = async <T>(ask: () => Promise<T>): Promise<T> => {
      stopTimer();
      try {
        return await ask();
      } finally {
        if (!settled) startTimer();
      }
    };

    const auth = makeAuth(hop, {
      askPassphrase: opts.askPassphrase,
      agentSocket: opts.agentSocket,
      keys: opts.keys,
      onPromptStart: stopTimer,
      onPromptEnd: () => { if (!settled) startTimer(); },
    });

    client.on("ready", () => {
      trace(where.label, "ssh-ready");
      if (settled) return;
      settled = true;
      stopTimer();
      // After login, errors belong to the session (it reports them as "lost").
      client.removeAllListeners("error");
      resolve(track(client));
    });
    client.on("error", (err: Error & { level?: string; code?: string }) => {
      // ssh2 reports an unusable agent as an error but goes on with the next method.
      if (err.level === "agent") return;
      if (hostKeyError) return fail(hostKeyError);
      if (auth.fatal !== undefined) return fail(fatalError(auth.fatal, where, step));
      if (err.level === "client-authentication") {
        const tried = auth.tried.length ? auth.tried.join(", ") : "nothing (no agent, no readable key)";
        const skipped = auth.skipped.length ? `; skipped ${auth.skipped.join("; ")}` : "";
        return fail(sshFailure("auth", where, "authenticating", `no accepted key for user ${hop.user}; tried ${tried}${skipped}`, err));
      }
      fail(sshFailure(classify(err, step), where, step, err.message, err));
    });
    client.on("close", () => {
      if (hostKeyError) return fail(hostKeyError);
      fail(sshFailure(step === "connecting" ? "refused" : "auth", where, step,
        step === "connecting" ? "the server closed the connection before the SSH handshake finished"
          : "the server closed the connection during login (too many keys offered, or the user is not allowed?)"));
    });

    const config: ConnectConfig = {
      sock,
      username: hop.user,
      readyTimeout: 0, // our own timer, which pauses during prompts
      keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      authHandler: auth.handler,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        trace(where.label, "ssh-kex-hostkey");
        const onUnknownHost = (info: UnknownHostInfo) =>
          paused(() => opts.onUnknownHost(where.via === undefined ? info : { ...info, jumpHost: where.via }));
        verifyHostKey(where.label, hop, key, { recordNewHostKeys: opts.recordNewHostKeys, acceptNewHostKeys: opts.acceptNewHostKeys, onUnknownHost }).then(
          () => {
            step = "authenticating";
            verify(true);
          },
          (err: unknown) => {
            hostKeyError = err instanceof HostKeyError ? err : undefined;
            if (!hostKeyError) auth.fatal = err;
            verify(false);
          },
        );
      },
    };
    const preferred = preferredHostKeyAlgorithms(hop);
    startTimer();
    try {
      client.connect(preferred.length ? { ...config, algorithms: { serverHostKey: { remove: preferred, prepend: preferred } as never } } : config);
    } catch {
      // Only the preference list can be rejected (a runtime without some algorithm); plain defaults always parse.
      client.connect(config);
    }
    if (dialTcp) {
      (sock as Socket).once("connect", () => trace(where.label, "tcp-connected"));
      (sock as Socket).connect(hop.port, hop.host);
    }
  });
}

/** Asks for host key types already in known_hosts first, as OpenSSH does, to avoid needless "unknown host" prompts. */
function preferredHostKeyAlgorithms(hop: ResolvedTarget): string[] {
  const types = knownKeyTypes(readKnownHosts(knownHostsFilesOf(hop)), lookupName(hop));
  return types.flatMap((t) => (t === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256"] : t.startsWith("ssh-") || t.startsWith("ecdsa-") ? [t] : []));
}

function forward(via: ssh2.Client, viaName: string, where: Where, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(sshFailure("connect-timeout", where, "connecting", `jump host ${viaName} did not open a tunnel within ${timeoutMs} ms`));
    }, timeoutMs);
    via.forwardOut("127.0.0.1", 0, where.host, where.port, (err, stream) => {
      clearTimeout(timer);
      if (timedOut) {
        stream?.destroy();
        return;
      }
      if (!err) return resolve(stream);
      const reason = (err as Error & { reason?: number }).reason;
      const detail = `jump host ${viaName} could not open a tunnel: ${err.message}`;
      // RFC 4254 reason 1 = administratively prohibited, which is what AllowTcpForwarding no answers.
      if (reason === 1) {
        reject(sshFailure("refused", where, "connecting", detail, err,
          `does ${viaName} allow TCP forwarding (AllowTcpForwarding in its sshd_config)?`));
        return;
      }
      const kind: SshErrorKind = /refused/i.test(err.message) ? "refused" : "unreachable";
      reject(sshFailure(kind, where, "connecting", detail, err));
    });
  });
}

/** A prompt callback or a known_hosts write failed: the caller's own errors (e.g. a cancelled wizard) pass through. */
function fatalError(err: unknown, where: Where, step: string): unknown {
  if (err instanceof Error) return err;
  return new SshError("auth", where.label, `${where.label} (${hostPort(where.host, where.port)}): ${step}: ${String(err)}`, { cause: err });
}

function classify(err: Error & { code?: string }, step: "connecting" | "authenticating"): SshErrorKind {
  switch (err.code) {
    case "ECONNREFUSED":
      return "refused";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EADDRNOTAVAIL":
      return "unreachable";
    case "ETIMEDOUT":
      return "connect-timeout";
    case "ECONNRESET":
    case "EPIPE":
      return "lost";
  }
  return step === "authenticating" ? "auth" : "refused";
}
