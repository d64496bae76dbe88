import type { Connection } from "../remote/connection.ts";
import { isHostLiteral, parseStatus, ProbeError, PROBE_ENV, tickBody, type KnownSums, type ProbeCache } from "./probe.ts";
import type { ProbeTargets, StatusSample } from "./sample.ts";

const END = "@@wgsite-tick-end";

/** The checksums travel with each request; the loop's shell reads them into these variables. */
const KNOWN: KnownSums = { addresses: '"$ka"', firewall: '"$kf"', hosts: "$hosts" };

/**
 * The live pane's probe loop on the gateway: both kinds of tick as shell functions, run once per
 * request line ("L" light or "H" heavy, then the checksums the client holds). The probes read
 * /dev/null, so none of them can eat the next request.
 */
export function watchScript(t: ProbeTargets): string {
  const fn = (name: string, heavy: boolean) => `${name}() {\no=$(\n${tickBody(t, { heavy }, KNOWN)}\n)\nprintf '%s\\n${END}\\n' "$o"\n}`;
  return [
    PROBE_ENV,
    fn("light", false),
    fn("heavy", true),
    `while IFS=' ' read -r kind ka kf hosts; do case "$kind" in L) light </dev/null ;; H) heavy </dev/null ;; *) exit 0 ;; esac; done`,
  ].join("\n");
}

/** The request line for one tick; a heavy one names the other LAN's hosts to ping. */
export function tickRequest(heavy: boolean, cache: ProbeCache, hosts: readonly string[] = []): string {
  const ping = heavy ? hosts.filter(isHostLiteral) : [];
  return `${[heavy ? "H" : "L", cache.addresses?.sum ?? "none", cache.firewall?.sum ?? "none", ...ping].join(" ")}\n`;
}

type Waiting = { readonly resolve: (text: string) => void; readonly reject: (error: Error) => void; readonly timer: ReturnType<typeof setTimeout> };

/**
 * One long-lived command per gateway for the live pane: the probe script is sent once, and each tick
 * is one short line out and the tick's report back on the same channel. A one-off command per tick
 * would open and close a channel and send the whole script every second; on this machine that was
 * about half of the pane's CPU (bench/FINDINGS.md). The connection stays the caller's.
 */
export class ProbeWatch {
  private buffer = "";
  private waiting: Waiting | undefined;
  private write: ((text: string) => void) | undefined;
  private queued: string[] = [];
  private failure: Error | undefined;
  private release!: () => void;

  constructor(
    private readonly root: Connection,
    readonly targets: ProbeTargets,
  ) {
    const held = new Promise<void>((resolve) => (this.release = resolve));
    root
      .exec(watchScript(targets), {
        holdStdin: held,
        feedStdin: (write) => {
          this.write = write;
          for (const line of this.queued.splice(0)) write(line);
        },
        onStdout: (chunk) => this.received(chunk),
      })
      .then(
        (r) => this.fail(new ProbeError(`${root.label}: the status probe stopped (exit ${r.code}): ${r.stderr.trim().split("\n")[0] ?? ""}`)),
        (error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error))),
      );
  }

  /** One tick: its report parsed, `cache` filling in the sections the gateway reported unchanged. */
  tick(heavy: boolean, cache: ProbeCache, timeoutMs: number, hosts: readonly string[] = []): Promise<{ sample: StatusSample; cache: ProbeCache }> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error(`${this.root.label}: a tick is already running`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new ProbeError(`${this.root.label}: no status report within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      this.waiting = {
        timer,
        reject,
        resolve: (text) => {
          if (!text.includes("@@wgsite-fact clock")) reject(new ProbeError(`${this.root.label}: the status probe did not run: ${text.trim().split("\n")[0] ?? ""}`));
          else resolve(parseStatus(text, this.targets, cache));
        },
      };
      const line = tickRequest(heavy, cache, hosts);
      if (this.write) this.write(line);
      else this.queued.push(line);
    });
  }

  /** Ends the loop on the gateway (its stdin closes); a tick still waiting fails. */
  close(): void {
    this.fail(new ProbeError(`${this.root.label}: the status probe was closed`));
  }

  private received(chunk: string): void {
    this.buffer += chunk;
    for (let at = this.buffer.indexOf(`${END}\n`); at >= 0; at = this.buffer.indexOf(`${END}\n`)) {
      const text = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + END.length + 1);
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) {
        clearTimeout(waiting.timer);
        waiting.resolve(text);
      }
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.release();
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(this.failure);
    }
  }
}
