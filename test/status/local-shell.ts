import { spawn } from "node:child_process";
import type { Connection, ExecOptions, ExecResult } from "../../src/remote/connection.ts";

/** A Connection that runs commands in a local sh, stdin fed as the watch feeds it (as SshSession does). */
export function localShell(started: string[] = []): Connection {
  return {
    label: "local",
    stats: { roundTrips: 0, bytesIn: 0, bytesOut: 0, connections: 1 },
    exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
      started.push(command);
      return new Promise((resolve) => {
        const child = spawn("sh", ["-c", command], { stdio: ["pipe", "pipe", "pipe"] });
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => options.onStdout?.(d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("close", (code) => resolve({ stdout: "", stderr, code: code ?? 255 }));
        if (options.stdin !== undefined) child.stdin.write(options.stdin);
        options.feedStdin?.((text) => child.stdin.write(text));
        if (options.holdStdin) void options.holdStdin.then(() => child.stdin.end());
        else child.stdin.end();
      });
    },
    async close() {},
  };
}
