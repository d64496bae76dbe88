import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { execaSync } from "execa";
import type { TargetSpec } from "./target-spec.ts";

/** ssh_config keywords (lower case) and their values in the order OpenSSH obtained them. */
export type ConfigValues = ReadonlyMap<string, readonly string[]>;

export type SshGOptions = { readonly sshConfigFile?: string; readonly identityFile?: string };

/**
 * The OpenSSH client to ask, or undefined when there is none. WGSITE_SSH names another
 * binary, or "none" to use wgsite's own parser (as on a machine without OpenSSH).
 */
export function sshClient(env: Record<string, string | undefined> = process.env): string | undefined {
  const chosen = env.WGSITE_SSH;
  if (chosen === "none") return undefined;
  if (chosen !== undefined && chosen !== "") return executable(chosen) ? chosen : undefined;
  for (const dir of (env.PATH ?? "/usr/bin:/bin").split(delimiter)) {
    const path = join(dir || ".", "ssh");
    if (executable(path)) return path;
  }
  return undefined;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

// One `ssh -G` per target per run: both gateways and their hops ask for the same names again.
const cache = new Map<string, ConfigValues>();

/**
 * What OpenSSH itself makes of the config for this target (`ssh -G`, which reads the
 * config, evaluates Include and Match, expands tokens and canonicalizes, but connects nowhere).
 */
export function sshG(ssh: string, spec: TargetSpec, opts: SshGOptions): ConfigValues {
  const args = ["-G"];
  if (opts.sshConfigFile !== undefined) args.push("-F", opts.sshConfigFile);
  if (opts.identityFile !== undefined) args.push("-i", opts.identityFile);
  if (spec.user !== undefined) args.push("-l", spec.user);
  if (spec.port !== undefined) args.push("-p", String(spec.port));
  args.push("--", spec.host);
  const key = JSON.stringify([ssh, configStamp(opts.sshConfigFile), args]);
  const known = cache.get(key);
  if (known !== undefined) return known;
  const result = execaSync(ssh, args, { reject: false, stdin: "ignore", timeout: 10_000, env: { LC_ALL: "C" } });
  if (result.exitCode !== 0) {
    const why = String(result.stderr).split("\n").filter((l) => l !== "" && !/^Pseudo-terminal/.test(l)).join("; ");
    throw new Error(`OpenSSH rejects the ssh config for "${spec.host}": ${why || `ssh -G exited ${result.exitCode}`}`);
  }
  const values = parseSshG(String(result.stdout));
  cache.set(key, values);
  return values;
}

/** A config file edited during the run (tests do) is read again. */
function configStamp(file: string | undefined): string {
  if (file === undefined) return "";
  try {
    const s = statSync(file);
    return `${file}@${s.mtimeMs}:${s.size}`;
  } catch {
    return file;
  }
}

/** `keyword value` lines; keywords that may repeat (identityfile) keep every line. */
export function parseSshG(text: string): ConfigValues {
  const values = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const k = m[1]!.toLowerCase();
    values.set(k, [...(values.get(k) ?? []), m[2]!]);
  }
  return values;
}
