import type { HostFacts } from "../core/host-facts.ts";
import type { Secret } from "../core/secret.ts";
import { quote } from "../core/shell.ts";
import type { Connection, ExecOptions, ExecResult } from "./connection.ts";

/**
 * Runs commands as root the way the facts round trip found to work. A sudo password goes as the
 * first line of stdin (`-S`), and `-k` makes sudo always read it, so a cached credential can never
 * leave the password line for the command itself to read.
 */
export function privileged(conn: Connection, privilege: HostFacts["privilege"], password?: Secret): Connection {
  if (privilege === "root") return conn;
  const wrap = (command: string) =>
    privilege === "sudo-nopasswd" ? `sudo -n sh -c ${quote(command)}` : `sudo -S -k -p '' sh -c ${quote(command)}`;
  return {
    label: conn.label,
    get stats() {
      return conn.stats;
    },
    close: () => conn.close(),
    exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
      const stdin = privilege === "sudo-password" ? `${password?.reveal() ?? ""}\n${options.stdin ?? ""}` : options.stdin;
      return conn.exec(wrap(command), { ...options, ...(stdin === undefined ? {} : { stdin }) });
    },
  };
}
