import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import SSHConfig from "ssh-config";
import { resolveTarget } from "../remote/ssh/target.ts";

/** A `Host` entry of the SSH config that names one machine, with where it really leads. */
export type SshAlias = { readonly name: string; readonly hostName: string; readonly user: string; readonly port: number };

type Line = { readonly param?: string; readonly value?: unknown };

function patterns(value: unknown): string[] {
  if (typeof value === "string") return value.split(/\s+/);
  if (Array.isArray(value)) return value.map((v) => (typeof v === "string" ? v : String((v as { val?: unknown }).val ?? "")));
  return [];
}

/**
 * Host aliases offered on the gateways screen: every `Host` name without wildcards or negation,
 * in file order, from `file` (--ssh-config) or ~/.ssh/config. A missing or broken file offers none.
 */
export function listSshAliases(file?: string): SshAlias[] {
  const path = file ?? `${homedir()}/.ssh/config`;
  let text: string;
  try {
    if (!existsSync(path)) return [];
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  let config: Iterable<Line>;
  try {
    config = SSHConfig.parse(text) as unknown as Iterable<Line>;
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const line of config) {
    if (line.param?.toLowerCase() !== "host") continue;
    for (const name of patterns(line.value)) if (name && !/[*?!]/.test(name) && !names.includes(name)) names.push(name);
  }
  return names.flatMap((name) => {
    try {
      const target = resolveTarget(name, { sshConfigFile: path });
      return [{ name, hostName: target.host, user: target.user, port: target.port }];
    } catch {
      return [];
    }
  });
}
