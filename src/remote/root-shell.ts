import type { Connection, ExecOptions, ExecResult } from "./connection.ts";
import { SshError } from "./ssh/errors.ts";
import { runningStep } from "./ssh/messages.ts";
import type { DescribedExecOptions } from "./ssh/session.ts";

/**
 * The root shell a locked run keeps on each gateway. The facts command that takes the gateway's lock
 * is already root (through sudo when needed) and stays open for the whole run to hold that lock; so
 * instead of idling it reads wgsite's later commands from its stdin and runs them. Each of them then
 * costs one network round trip, not a new SSH channel plus a new sudo (which, with a password, checks
 * it through PAM every time: about 0.1 s per round trip on the lab).
 *
 * Frames: wgsite sends one line `@@run <script> <stdin|->` (both base64, so any text stays on one
 * line); the command's stdout streams back as it is written, then a line
 * `@@wgsite-done-<nonce> <exit code> <stderr as base64>` ends it. The command's stdin is the decoded
 * data or /dev/null, never the channel, so it cannot eat the frames that follow.
 */
export function rootShellLoop(nonce: string, dir = "/run/wgsite"): string {
  // The leading newline of the end line keeps it on a line of its own after output without one.
  return [
    "while IFS= read -r l; do",
    '  case "$l" in "@@run "*) ;; *) continue ;; esac',
    "  set -f; set -- $l; set +f",
    '  s=$(printf "%s" "$2" | base64 -d)',
    `  e=${dir}/shell.$$.err`,
    '  if [ "$3" = - ]; then ( eval "$s" ) </dev/null 2>"$e"; else printf "%s" "$3" | base64 -d | ( eval "$s" ) 2>"$e"; fi',
    "  rc=$?",
    `  printf '\\n@@wgsite-done-${nonce} %s %s\\n' "$rc" "$(base64 <"$e" | tr -d '\\n')"`,
    '  rm -f "$e"',
    "done",
  ].join("\n");
}

type Running = {
  readonly command: string;
  readonly options: DescribedExecOptions;
  readonly resolve: (result: ExecResult) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout> | undefined;
  stdout: string;
};

/** The connection's failure as the running command's: "running wgsite's steps (...)", not the held facts command. */
function asStep(error: Error, running: Running): Error {
  if (!(error instanceof SshError)) return error;
  const step = runningStep(running.options.describe ?? running.command);
  return new SshError(error.kind, error.label, error.message.replace(/: running [^:]*: /, `: ${step}: `), { cause: error.cause });
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** A Connection whose commands go to the held root shell, one at a time. */
export class RootShell implements Connection {
  readonly #marker: string;
  #write: ((text: string) => void) | undefined;
  #buffer = "";
  #running: Running | undefined;
  #queue: (() => void)[] = [];
  #failure: Error | undefined;
  #commands = 0;
  #fallback: Connection | undefined;

  constructor(
    private readonly conn: Connection,
    nonce: string,
  ) {
    this.#marker = `@@wgsite-done-${nonce} `;
  }

  get label(): string {
    return this.conn.label;
  }

  get stats() {
    // The fallback shares the connection, whose own count includes its commands.
    const s = this.conn.stats;
    return { ...s, roundTrips: s.roundTrips + this.#commands };
  }

  /**
   * Where commands go once the shell is gone (a command that timed out still occupies it): a new
   * channel with its own sudo, so a rollback can still run while the connection lives.
   */
  fallBackTo(conn: Connection): void {
    this.#fallback = conn;
  }

  /** The writer to the held command's stdin, once the lock is taken. */
  attach(write: (text: string) => void): void {
    this.#write = write;
  }

  /** Stdout of the held command after the facts (the loop's output). */
  receive(chunk: string): void {
    this.#buffer += chunk;
    this.#drain();
  }

  /** The held command ended (released, or the connection died): whatever waits fails with this. */
  ended(error: Error): void {
    this.#failure ??= error;
    const running = this.#running;
    this.#running = undefined;
    if (running) {
      if (running.timer !== undefined) clearTimeout(running.timer);
      running.reject(asStep(this.#failure, running));
    }
    for (const next of this.#queue.splice(0)) next();
  }

  exec(command: string, options: DescribedExecOptions = {}): Promise<ExecResult> {
    // A conversation of its own (the live pane's probe loop) cannot share the frames: it gets its own channel.
    const ownChannel = options.holdStdin !== undefined || options.feedStdin !== undefined;
    if ((this.#failure || ownChannel) && this.#fallback) return this.#fallback.exec(command, options);
    return new Promise<ExecResult>((resolve, reject) => {
      const start = () => {
        if (this.#failure && this.#fallback) {
          this.#fallback.exec(command, options).then(resolve, reject);
          return;
        }
        if (this.#failure || !this.#write) {
          reject(this.#failure ?? new Error(`${this.label}: the root shell is not open`));
          return;
        }
        this.#commands++;
        const timer = options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => this.ended(new Error(`${this.label}: no result after ${options.timeoutMs} ms`)), options.timeoutMs);
        this.#running = { command, options, resolve, reject, timer, stdout: "" };
        this.#write(`@@run ${b64(command)} ${options.stdin === undefined ? "-" : b64(options.stdin)}\n`);
        this.#drain();
      };
      if (this.#running || this.#queue.length > 0) this.#queue.push(start);
      else start();
    });
  }

  async close(): Promise<void> {
    await this.conn.close();
  }

  #drain(): void {
    const running = this.#running;
    if (!running) return;
    const line = this.#buffer.indexOf(`\n${this.#marker}`);
    const at = this.#buffer.startsWith(this.#marker) ? 0 : line < 0 ? -1 : line + 1;
    if (at < 0) {
      // Hand every whole line on at once (progress markers must not wait); hold back only a tail that may be the end line's start.
      const nl = this.#buffer.lastIndexOf("\n") + 1;
      const tail = this.#buffer.slice(nl);
      const keep = this.#marker.startsWith(tail) ? nl : this.#buffer.length;
      this.#pass(running, this.#buffer.slice(0, keep));
      this.#buffer = this.#buffer.slice(keep);
      return;
    }
    this.#pass(running, this.#buffer.slice(0, at));
    this.#buffer = this.#buffer.slice(at);
    const eol = this.#buffer.indexOf("\n");
    if (eol < 0) return;
    const [code, stderr = ""] = this.#buffer.slice(this.#marker.length, eol).split(" ");
    this.#buffer = this.#buffer.slice(eol + 1);
    this.#running = undefined;
    if (running.timer !== undefined) clearTimeout(running.timer);
    // The loop put a newline before the end line; it is not the command's.
    const stdout = running.stdout.endsWith("\n") ? running.stdout.slice(0, -1) : running.stdout;
    running.resolve({ stdout, stderr: Buffer.from(stderr, "base64").toString("utf8"), code: Number(code) });
    this.#queue.shift()?.();
  }

  #pass(running: Running, text: string): void {
    if (text === "") return;
    running.stdout += text;
    running.options.onStdout?.(text);
  }
}
