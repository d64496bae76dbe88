import { spawn } from "node:child_process";
import type { Connection, ExecOptions, ExecResult } from "../../../src/remote/connection.ts";

/** A Connection that runs commands with the local shell, recording each command line. */
export function localConnection(label: string, env: Record<string, string>): Connection & { commands: string[] } {
  const commands: string[] = [];
  const stats = { roundTrips: 0, bytesIn: 0, bytesOut: 0, connections: 1 };
  return {
    label,
    commands,
    stats,
    close: async () => {},
    exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
      commands.push(command);
      stats.roundTrips++;
      // Like sshd, the command line is one -c argument; plain sh keeps a developer's .bashrc out of the output.
      const child = spawn("/bin/sh", ["-c", command], { env, stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (d: Buffer) => out.push(d));
      child.stderr.on("data", (d: Buffer) => err.push(d));
      child.stdin.on("error", () => {}); // the command may exit without reading its stdin
      child.stdin.end(options.stdin ?? "");
      return new Promise((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => {
          resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? 255 });
        });
      });
    },
  };
}
