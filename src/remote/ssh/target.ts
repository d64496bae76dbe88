import { existsSync } from "node:fs";
import { homedir, hostname, userInfo } from "node:os";
import SSHConfig from "ssh-config";
import { readConfigWithIncludes } from "./config-include.ts";

/** Everything needed to reach one SSH server, after the ssh config was applied. */
export type ResolvedTarget = {
  /** The name as written (alias or address), for labels and messages. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** In the order to try; files that turn out missing are skipped at connect time, as OpenSSH does. */
  readonly identityFiles: readonly string[];
  readonly identitiesOnly: boolean;
  /** The first one is where newly accepted keys are recorded. */
  readonly knownHostsFiles: readonly string[];
  /** Hops in connection order (first = reached directly); empty when direct. */
  readonly jumps: readonly ResolvedTarget[];
};

export type ResolveOptions = {
  readonly sshConfigFile?: string;
  readonly identityFile?: string;
  readonly knownHostsFile?: string;
};

export type TargetSpec = { readonly user?: string; readonly host: string; readonly port?: number };

const DEFAULT_KEYS = ["id_ed25519", "id_ecdsa", "id_rsa"];
// A config whose first hop names itself again would otherwise recurse forever.
const MAX_JUMP_DEPTH = 8;

/**
 * Parses `[user@]host[:port]`, `[v6addr]:port`, a bare IPv6 address, or an
 * `ssh://` URI (allowed in ProxyJump).
 */
export function parseTargetSpec(spec: string): TargetSpec {
  let rest = spec.trim().replace(/^ssh:\/\//, "").replace(/\/$/, "");
  if (rest === "") throw new Error("empty SSH target");
  let user: string | undefined;
  // Users may contain '@' (e.g. AD accounts); OpenSSH splits on the last one too.
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === "") throw new Error(`SSH target "${spec}" has an empty user before @`);
  }
  let host = rest;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if (rest.indexOf(":") === rest.lastIndexOf(":") && rest.includes(":")) {
    // Exactly one colon is host:port; more than one is an unbracketed IPv6 address.
    [host, portText] = rest.split(":") as [string, string];
  }
  if (host === "") throw new Error(`SSH target "${spec}" has no host`);
  return { user, host, port: portText === undefined ? undefined : parsePort(portText, spec) };
}

function parsePort(text: string, spec: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new Error(`SSH target "${spec}" has an invalid port "${text}"`);
  }
  return port;
}

/**
 * Applies the ssh config to a target the way OpenSSH does: the first value
 * obtained wins, and what is written in the target itself beats the config.
 * Reads files but touches no network; `Match exec` is not evaluated.
 */
export function resolveTarget(target: string, opts: ResolveOptions = {}): ResolvedTarget {
  const config = loadConfig(opts.sshConfigFile);
  return resolveWith(config, target, opts, 0);
}

function resolveWith(config: SSHConfig, target: string, opts: ResolveOptions, depth: number): ResolvedTarget {
  const spec = parseTargetSpec(target);
  const computed = config.compute(
    spec.user === undefined ? { Host: spec.host } : { Host: spec.host, User: spec.user },
    { ignoreCase: true, matchExec: false },
  );
  const first = (key: string): string | undefined => {
    const v = computed[key];
    return Array.isArray(v) ? v[0] : v;
  };
  const all = (key: string): string[] => {
    const v = computed[key];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };

  const host = expandTokens(first("hostname") ?? spec.host, { h: spec.host });
  const configPort = first("port");
  const port = spec.port ?? (configPort === undefined ? 22 : parsePort(configPort, target));
  const user = spec.user ?? first("user") ?? localUser();
  const tokens = { h: host, r: user, p: String(port) };

  const configured = [
    ...(opts.identityFile === undefined ? [] : [opts.identityFile]),
    ...all("identityfile").filter((f) => f.toLowerCase() !== "none"),
  ];
  // OpenSSH falls back to the default keys only when no identity is configured at all.
  const identityFiles = configured.length > 0
    ? configured.map((f) => expandPath(f, tokens))
    : DEFAULT_KEYS.map((k) => expandPath(`~/.ssh/${k}`, tokens));

  const knownHostsFiles = opts.knownHostsFile !== undefined
    ? [expandPath(opts.knownHostsFile, tokens)]
    : withDefault(all("userknownhostsfile").filter((f) => f.toLowerCase() !== "none"), "~/.ssh/known_hosts")
        .map((f) => expandPath(f, tokens));

  const jumpSpec = first("proxyjump");
  let jumps: ResolvedTarget[] = [];
  if (jumpSpec !== undefined && jumpSpec.toLowerCase() !== "none") {
    if (depth >= MAX_JUMP_DEPTH) throw new Error(`ProxyJump chain for "${target}" is too deep (a loop in the ssh config?)`);
    const hops = jumpSpec.split(",").map((h) => h.trim()).filter((h) => h !== "");
    jumps = hops.flatMap((hop, i) => {
      const resolved = resolveWith(config, hop, opts, depth + 1);
      // Like OpenSSH, only the first hop's own ProxyJump is followed; later hops are reached through the list.
      return i === 0 ? [...resolved.jumps, { ...resolved, jumps: [] }] : [{ ...resolved, jumps: [] }];
    });
  }

  return {
    name: target,
    host,
    port,
    user,
    identityFiles,
    identitiesOnly: first("identitiesonly")?.toLowerCase() === "yes",
    knownHostsFiles,
    jumps,
  };
}

function withDefault(list: string[], fallback: string): string[] {
  return list.length > 0 ? list : [fallback];
}

function loadConfig(file: string | undefined): SSHConfig {
  if (file !== undefined) {
    const path = expandPath(file, {});
    if (!existsSync(path)) throw new Error(`ssh config file not found: ${path}`);
    return SSHConfig.parse(readConfigWithIncludes(path));
  }
  const path = `${homedir()}/.ssh/config`;
  return existsSync(path) ? SSHConfig.parse(readConfigWithIncludes(path)) : new SSHConfig();
}

function localUser(): string {
  // Bun's userInfo() reports $USER (or "unknown" when unset, as under cron), so the uid decides here.
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
  if (uid === 0) return "root";
  try {
    const name = userInfo().username;
    if (name && name !== "unknown") return name;
  } catch {
    // userInfo() throws for uids without a passwd entry (some containers).
  }
  return process.env.USER ?? process.env.LOGNAME ?? "root";
}

/** Expands `~/` and the OpenSSH `%` tokens that make sense for file paths. */
export function expandPath(path: string, tokens: Record<string, string>): string {
  const expanded = expandTokens(path, tokens);
  if (expanded === "~") return homedir();
  if (expanded.startsWith("~/")) return homedir() + expanded.slice(1);
  return expanded;
}

function expandTokens(text: string, tokens: Record<string, string>): string {
  return text.replace(/%(.)/g, (whole, t: string) => {
    switch (t) {
      case "%": return "%";
      case "d": return homedir();
      case "u": return localUser();
      case "l": return hostname().split(".")[0] ?? "";
      default: return tokens[t] ?? whole;
    }
  });
}
