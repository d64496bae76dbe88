import { existsSync } from "node:fs";
import { homedir } from "node:os";
import SSHConfig from "ssh-config";
import { readConfigWithIncludes } from "./config-include.ts";
import { sshClient, sshG, type ConfigValues } from "./ssh-g.ts";
import { parsePort, parseTargetSpec } from "./target-spec.ts";
import { expandPath, expandTokens, localUser } from "./tokens.ts";

export { parseTargetSpec, type TargetSpec } from "./target-spec.ts";
export { expandPath } from "./tokens.ts";

export type StrictHostKeyChecking = "yes" | "no" | "accept-new" | "ask";

/** Which parser read the ssh config: OpenSSH's own (`ssh -G`), or wgsite's when no ssh is installed. */
export type Resolver = "ssh -G" | "built-in";

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
  /** IdentityAgent: a socket path, "none", or undefined for SSH_AUTH_SOCK. */
  readonly identityAgent?: string;
  /** UserKnownHostsFile: the first one is where newly accepted keys are recorded. */
  readonly knownHostsFiles: readonly string[];
  /** GlobalKnownHostsFile: read, never written. */
  readonly globalKnownHostsFiles: readonly string[];
  /** The name host keys are looked up (and recorded) under instead of host and port. */
  readonly hostKeyAlias?: string;
  readonly strictHostKeyChecking: StrictHostKeyChecking;
  /** ProxyCommand with its tokens expanded; when set, `jumps` is empty. */
  readonly proxyCommand?: string;
  /** Hops in connection order (first = reached directly); empty when direct. */
  readonly jumps: readonly ResolvedTarget[];
  readonly resolver: Resolver;
};

export type ResolveOptions = {
  readonly sshConfigFile?: string;
  readonly identityFile?: string;
  readonly knownHostsFile?: string;
  /** Force a parser; by default `ssh -G` when an OpenSSH client is installed. */
  readonly resolver?: Resolver;
};

/** OpenSSH 9's IdentityFile defaults, tried in this order when no identity is configured. */
export const DEFAULT_IDENTITY_FILES = ["id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "id_xmss", "id_dsa"]
  .map((k) => `~/.ssh/${k}`);
const DEFAULT_KNOWN_HOSTS = ["~/.ssh/known_hosts", "~/.ssh/known_hosts2"];
const DEFAULT_GLOBAL_KNOWN_HOSTS = ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];
// A config whose first hop names itself again would otherwise recurse forever.
const MAX_JUMP_DEPTH = 8;

/** What wgsite's own parser does not do that `ssh -G` does; said once when it has to be used. */
export const BUILT_IN_LACKS = [
  "Match blocks other than host/user (exec, canonical, final, localuser, originalhost)",
  "CanonicalizeHostname",
  "%-tokens beyond %h in HostName",
  "negated Match criteria (Match !host)",
  "exact ? and comma rules in Host patterns (it lets ? match no character and splits Host patterns on commas)",
];

/**
 * Applies the ssh config to a target the way OpenSSH does: the first value
 * obtained wins, and what is written in the target itself beats the config.
 * Reads files (and runs `ssh -G`) but touches no network.
 */
export function resolveTarget(target: string, opts: ResolveOptions = {}): ResolvedTarget {
  if (opts.sshConfigFile !== undefined && !existsSync(expandPath(opts.sshConfigFile, {}))) {
    throw new Error(`ssh config file not found: ${expandPath(opts.sshConfigFile, {})}`);
  }
  const ssh = opts.resolver === "built-in" ? undefined : sshClient();
  if (ssh !== undefined) {
    const file = opts.sshConfigFile === undefined ? undefined : expandPath(opts.sshConfigFile, {});
    return resolveWith((spec) => sshG(ssh, spec, { sshConfigFile: file, identityFile: opts.identityFile }), "ssh -G", target, opts, 0);
  }
  const config = loadConfig(opts.sshConfigFile);
  return resolveWith((spec) => builtInValues(config, spec), "built-in", target, opts, 0);
}

type Lookup = (spec: ReturnType<typeof parseTargetSpec>) => ConfigValues;

function resolveWith(lookup: Lookup, resolver: Resolver, target: string, opts: ResolveOptions, depth: number): ResolvedTarget {
  const spec = parseTargetSpec(target);
  const values = lookup(spec);
  const first = (key: string): string | undefined => values.get(key)?.[0];
  const all = (key: string): string[] => [...(values.get(key) ?? [])];
  const words = (key: string): string[] => all(key).flatMap((v) => v.split(/\s+/)).filter((w) => w !== "");

  const hostName = first("hostname");
  // `ssh -G` has already expanded and lower-cased HostName; OpenSSH matches and connects in lower case.
  const host = resolver === "ssh -G" && hostName !== undefined ? hostName : expandTokens(hostName ?? spec.host, { h: spec.host }).toLowerCase();
  const configPort = first("port");
  const port = spec.port ?? (configPort === undefined ? 22 : parsePort(configPort, target));
  const user = spec.user ?? first("user") ?? localUser();
  const hostKeyAlias = first("hostkeyalias");
  const tokens = { h: host, n: spec.host, r: user, p: String(port), k: hostKeyAlias ?? spec.host };

  const identityFiles = [...new Set(identities(all("identityfile"), opts.identityFile).map((f) => expandPath(f, tokens)))];
  const fileList = (key: string, fallback: string[]): string[] => {
    const listed = words(key);
    if (listed.length === 0) return fallback.map((f) => expandPath(f, tokens));
    return listed.some((w) => w.toLowerCase() === "none") ? [] : listed.map((f) => expandPath(f, tokens));
  };
  const knownHostsFiles = opts.knownHostsFile !== undefined
    ? [expandPath(opts.knownHostsFile, tokens)]
    : fileList("userknownhostsfile", DEFAULT_KNOWN_HOSTS);
  // An explicit --known-hosts is the whole truth for the run, as it is for tests and scripts.
  const globalKnownHostsFiles = opts.knownHostsFile !== undefined ? [] : fileList("globalknownhostsfile", DEFAULT_GLOBAL_KNOWN_HOSTS);

  const agentValue = first("identityagent");
  const identityAgent = agentValue === undefined || agentValue === "SSH_AUTH_SOCK" ? undefined
    : agentValue.toLowerCase() === "none" ? "none"
    : agentValue.startsWith("$") ? process.env[agentValue.replace(/^\$\{?|\}$/g, "")]
    : expandPath(agentValue, tokens);

  // ProxyCommand and ProxyJump exclude each other: the first one obtained wins (`ssh -G` prints only that one).
  const keys = [...values.keys()];
  const jumpFirst = keys.includes("proxyjump") && keys.indexOf("proxyjump") < (keys.includes("proxycommand") ? keys.indexOf("proxycommand") : Infinity);
  const proxyValue = jumpFirst ? undefined : first("proxycommand");
  const proxyCommand = proxyValue === undefined || proxyValue.toLowerCase() === "none" ? undefined : expandProxyCommand(proxyValue, tokens);

  const jumpSpec = proxyCommand === undefined ? first("proxyjump") : undefined;
  let jumps: ResolvedTarget[] = [];
  if (jumpSpec !== undefined && jumpSpec.toLowerCase() !== "none") {
    if (depth >= MAX_JUMP_DEPTH) throw new Error(`ProxyJump chain for "${target}" is too deep (a loop in the ssh config?)`);
    const hops = jumpSpec.split(",").map((h) => h.trim()).filter((h) => h !== "");
    jumps = hops.flatMap((hop, i) => {
      const resolved = resolveWith(lookup, resolver, hop, opts, depth + 1);
      // Like OpenSSH, only the first hop's own route is followed; later hops are reached through the list.
      if (i === 0) return [...resolved.jumps, { ...resolved, jumps: [] }];
      return [{ ...resolved, jumps: [], proxyCommand: undefined }];
    });
  }

  return {
    name: target,
    host,
    port,
    user,
    identityFiles,
    identitiesOnly: ["yes", "true"].includes(first("identitiesonly")?.toLowerCase() ?? "no"),
    ...(identityAgent === undefined ? {} : { identityAgent }),
    knownHostsFiles,
    globalKnownHostsFiles,
    ...(hostKeyAlias === undefined ? {} : { hostKeyAlias }),
    strictHostKeyChecking: strictness(first("stricthostkeychecking")),
    ...(proxyCommand === undefined ? {} : { proxyCommand }),
    jumps,
    resolver,
  };
}

/**
 * OpenSSH's list: the explicit -i first, each file once, `none` for no file, and the
 * default keys only when nothing at all is configured (`ssh -G` lists them itself then).
 */
function identities(configured: string[], explicit: string | undefined): string[] {
  const isDefaults = configured.length === DEFAULT_IDENTITY_FILES.length && configured.every((f, i) => f === DEFAULT_IDENTITY_FILES[i]);
  if (explicit !== undefined && isDefaults) return [explicit];
  if (configured.length === 0) return explicit === undefined ? DEFAULT_IDENTITY_FILES : [explicit];
  const listed = configured.filter((f) => f.toLowerCase() !== "none");
  return [...new Set(explicit === undefined ? listed : [explicit, ...listed])];
}

function strictness(value: string | undefined): StrictHostKeyChecking {
  switch (value?.toLowerCase()) {
    case "yes":
    case "true":
      return "yes";
    case "no":
    case "false":
    case "off":
      return "no";
    case "accept-new":
      return "accept-new";
    default:
      return "ask";
  }
}

/** ProxyCommand takes %h %p %r %n %% (and ~ is left to the shell). */
function expandProxyCommand(command: string, tokens: { h: string; n: string; r: string; p: string }): string {
  return command.replace(/%([%hprn])/g, (_w, t: string) => (t === "%" ? "%" : tokens[t as "h" | "p" | "r" | "n"]));
}

function loadConfig(file: string | undefined): SSHConfig {
  if (file !== undefined) return SSHConfig.parse(readConfigWithIncludes(expandPath(file, {})));
  // Like OpenSSH without -F: the user's config first, then the system-wide one.
  const texts = [`${homedir()}/.ssh/config`, "/etc/ssh/ssh_config"].filter((p) => existsSync(p)).map((p) => readConfigWithIncludes(p));
  return SSHConfig.parse(texts.join("\n"));
}

/** wgsite's own reading of the config, shaped like `ssh -G` output (values not yet expanded). */
function builtInValues(config: SSHConfig, spec: ReturnType<typeof parseTargetSpec>): ConfigValues {
  const computed = config.compute(
    spec.user === undefined ? { Host: spec.host } : { Host: spec.host, User: spec.user },
    { ignoreCase: true, matchExec: false },
  ) as Record<string, string | string[]>;
  const values = new Map<string, string[]>();
  for (const [key, value] of Object.entries(computed)) values.set(key.toLowerCase(), Array.isArray(value) ? value : [value]);
  return values;
}
