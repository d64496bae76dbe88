import type { Connection } from "../remote/connection.ts";
import { ProbeError } from "./probe.ts";

/** What a held script prints after each reply: the client cuts its output there. */
export const REPLY_END = "@@wgsite-tick-end";

type Waiting = { readonly resolve: (text: string) => void; readonly reject: (error: Error) => void; readonly timer: ReturnType<typeof setTimeout> };

/**
 * One long-lived command on a gateway, for as long as a pane or --watch runs: the script is sent
 * once, and each tick is one short request line out and the reply (up to REPLY_END) back on the
 * same channel. A one-off command per tick would open and close a channel and send the whole script
 * every second; on this machine that was about half of the pane's CPU (bench/FINDINGS.md). The
 * script reads its requests from stdin; closing ends it. The connection stays the caller's.
 */
export class HeldScript {
  private buffer = "";
  private waiting: Waiting | undefined;
  private write: ((text: string) => void) | undefined;
  private queued: string[] = [];
  private failure: Error | undefined;
  private release!: () => void;

  constructor(
    private readonly root: Connection,
    script: string,
  ) {
    const held = new Promise<void>((resolve) => (this.release = resolve));
    root
      .exec(script, {
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

  /** Sends one request line and resolves with its reply; none within `timeoutMs` ends the script. */
  request(line: string, timeoutMs: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error(`${this.root.label}: a tick is already running`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new ProbeError(`${this.root.label}: no status report within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      this.waiting = { timer, reject, resolve };
      if (this.write) this.write(line);
      else this.queued.push(line);
    });
  }

  /** Ends the script on the gateway (its stdin closes); a request still waiting fails. */
  close(): void {
    this.fail(new ProbeError(`${this.root.label}: the status probe was closed`));
  }

  private received(chunk: string): void {
    this.buffer += chunk;
    for (let at = this.buffer.indexOf(`${REPLY_END}\n`); at >= 0; at = this.buffer.indexOf(`${REPLY_END}\n`)) {
      const text = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + REPLY_END.length + 1);
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
