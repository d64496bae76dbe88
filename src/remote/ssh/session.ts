import { StringDecoder } from "node:string_decoder";
import { constants } from "node:os";
import type { Client, ClientChannel } from "ssh2";
import type { Connection, ExecOptions, ExecResult } from "../connection.ts";
import { sshFailure, runningStep, type Where } from "./messages.ts";

/**
 * What wrappers may add to ExecOptions: the command as the caller wrote it, so
 * errors say "running wg" rather than "running sudo" (or "sh"). Other
 * Connection implementations simply ignore it.
 */
export type DescribedExecOptions = ExecOptions & { readonly describe?: string };

type Counters = { readonly bytesIn: () => number; readonly bytesOut: () => number };

/**
 * A logged-in client whose failures are recorded from the moment login
 * finished, so nothing is missed (or thrown unhandled) while later hops connect.
 */
export type TrackedClient = {
  readonly client: Client;
  lost?: string;
  ended: boolean;
  onLost?: (reason: string) => void;
};

export function track(client: Client): TrackedClient {
  const t: TrackedClient = { client, ended: false };
  const note = (reason: string) => {
    t.lost ??= reason;
    t.onLost?.(t.lost);
  };
  client.on("error", (err: Error) => note(err.message));
  client.on("close", () => {
    t.ended = true;
    note("the connection closed");
  });
  return t;
}

/**
 * A Connection over an established ssh2 client chain: `hops[0]` is the
 * first hop, the last one is the gateway itself.
 */
export class SshSession implements Connection {
  private roundTrips = 0;
  private lostReason: string | undefined;
  private closed = false;
  private readonly pending = new Set<(reason: string) => void>();

  constructor(
    readonly label: string,
    private readonly where: Where,
    private readonly hops: readonly TrackedClient[],
    private readonly counters: Counters,
    /** Ends what carries the first hop besides its socket (a ProxyCommand), after the hops closed. */
    private readonly onClosed?: () => void,
  ) {
    // Losing any hop loses the gateway; every waiting exec must hear about it.
    for (const hop of hops) {
      hop.onLost = (reason) => this.markLost(reason);
      if (hop.lost !== undefined) this.markLost(hop.lost);
    }
  }

  get stats() {
    return {
      roundTrips: this.roundTrips,
      bytesIn: this.counters.bytesIn(),
      bytesOut: this.counters.bytesOut(),
      connections: this.hops.length,
    };
  }

  exec(command: string, options: DescribedExecOptions = {}): Promise<ExecResult> {
    const step = runningStep(options.describe ?? command);
    if (this.closed) return Promise.reject(sshFailure("lost", this.where, step, "the connection was already closed by wgsite"));
    if (this.lostReason !== undefined) return Promise.reject(sshFailure("lost", this.where, step, this.lostReason));
    this.roundTrips++;
    const client = this.hops[this.hops.length - 1]!.client;
    return new Promise<ExecResult>((resolve, reject) => {
      let channel: ClientChannel | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (outcome: () => void) => {
        if (!this.pending.delete(onLost)) return;
        if (timer !== undefined) clearTimeout(timer);
        outcome();
      };
      const onLost = (reason: string) => finish(() => reject(sshFailure("lost", this.where, step, reason)));
      this.pending.add(onLost);
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => finish(() => {
          // Best effort: OpenSSH honours signal requests; closing the channel hangs up the rest.
          try { channel?.signal("KILL"); } catch { /* channel already gone */ }
          channel?.close();
          reject(sshFailure("command-timeout", this.where, step, `no result after ${options.timeoutMs} ms`));
        }), options.timeoutMs);
      }
      const started = (err: Error | undefined, ch: ClientChannel) => {
        if (err) {
          finish(() => reject(sshFailure("lost", this.where, step, `could not start the command: ${err.message}`, err)));
          return;
        }
        channel = ch;
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code: number | undefined;
        // A decoder keeps a multi-byte character split across chunks whole for the progress callback.
        const decoder = options.onStdout ? new StringDecoder("utf8") : undefined;
        ch.on("data", (d: Buffer) => {
          out.push(d);
          if (decoder) options.onStdout!(decoder.write(d));
        });
        ch.stderr.on("data", (d: Buffer) => errOut.push(d));
        ch.on("exit", (exitCode: number | null, signal?: string) => {
          code = exitCode ?? signalCode(signal);
        });
        ch.on("close", () => {
          // The channel can close just before the client notices the connection died; let that land first.
          setImmediate(() => {
            if (code === undefined) {
              onLost(this.lostReason ?? "the command ended without an exit status");
              return;
            }
            const result = { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(errOut).toString("utf8"), code };
            finish(() => resolve(result));
          });
        });
        if (options.holdStdin) {
          // stdin stays open until the caller lets go: the remote side can hold a lock until then.
          if (options.stdin !== undefined) ch.write(Buffer.from(options.stdin, "utf8"));
          options.feedStdin?.((text) => {
            if (!ch.writableEnded) ch.write(Buffer.from(text, "utf8"));
          });
          void options.holdStdin.then(() => ch.end(), () => ch.end());
        } else {
          ch.end(options.stdin === undefined ? undefined : Buffer.from(options.stdin, "utf8"));
        }
      };
      try {
        client.exec(command, started);
      } catch (err) {
        // ssh2 throws synchronously when the socket is already gone.
        onLost(this.lostReason ?? (err instanceof Error ? err.message : String(err)));
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Innermost first, so each hop's tunnel is torn down by its own server politely.
    for (const { client, ended } of [...this.hops].reverse()) {
      if (ended) continue;
      await new Promise<void>((resolve) => {
        // A dead socket may never emit close; do not hang the caller on it.
        const timer = setTimeout(() => {
          client.destroy();
          resolve();
        }, 1000);
        client.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
        client.end();
      });
    }
    this.onClosed?.();
  }

  private markLost(reason: string): void {
    if (this.closed) return;
    this.lostReason ??= reason;
    for (const reject of [...this.pending]) reject(this.lostReason);
  }
}

/** Shell convention: a command killed by signal N exits 128+N. ssh2 names signals "SIGTERM". */
function signalCode(signal: string | undefined): number {
  const name = signal === undefined ? undefined : signal.startsWith("SIG") ? signal : `SIG${signal}`;
  const n = name === undefined ? undefined : (constants.signals as Record<string, number>)[name];
  return n === undefined ? 255 : 128 + n;
}
