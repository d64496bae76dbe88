import { Duplex } from "node:stream";
import { execa, type ResultPromise } from "execa";

/** A running ProxyCommand: its stdin/stdout are the SSH connection's socket. */
export type ProxyProcess = {
  readonly sock: Duplex;
  /** What it wrote to stderr so far (the last few KiB), for the error message. */
  stderr(): string;
  /** Its exit, as a phrase ("exited 255"), once it has ended. */
  exit(): string | undefined;
  readonly bytesIn: () => number;
  readonly bytesOut: () => number;
  /** Ends it with the connection. */
  stop(): void;
};

const STDERR_KEEP = 4096;

/** Starts the command as OpenSSH does: `/bin/sh -c "exec COMMAND"`, tokens already expanded. */
export function startProxyCommand(command: string): ProxyProcess {
  const child: ResultPromise = execa("/bin/sh", ["-c", `exec ${command}`], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    reject: false,
    buffer: false,
  });
  let err = "";
  let exit: string | undefined;
  let bytesIn = 0;
  let bytesOut = 0;
  child.stderr!.on("data", (d: Buffer) => {
    err = (err + d.toString("utf8")).slice(-STDERR_KEEP);
  });
  child.stdout!.on("data", (d: Buffer) => {
    bytesIn += d.length;
  });
  void child.then((r) => {
    exit = r.signal ? `was killed by ${r.signal}` : `exited ${r.exitCode ?? "?"}`;
  });
  // A proxy that dies makes writes fail with EPIPE; the closed stdout already tells ssh2.
  child.stdin!.on("error", () => undefined);
  const sock = Duplex.from({ readable: child.stdout!, writable: child.stdin! });
  const write = sock.write.bind(sock);
  sock.write = ((chunk: Buffer, ...rest: never[]) => {
    bytesOut += chunk.length;
    return write(chunk, ...rest);
  }) as typeof sock.write;
  sock.on("error", () => undefined);
  return {
    sock,
    stderr: () => err.trim(),
    exit: () => exit,
    bytesIn: () => bytesIn,
    bytesOut: () => bytesOut,
    stop: () => {
      if (exit === undefined) child.kill("SIGTERM");
      sock.destroy();
    },
  };
}
