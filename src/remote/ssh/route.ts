import { homedir } from "node:os";
import { lookupName } from "./host-key.ts";
import { hostPort } from "./messages.ts";
import { BUILT_IN_LACKS, type ResolvedTarget, type Resolver, type StrictHostKeyChecking } from "./target.ts";

/** Where wgsite will connect for one gateway, as resolved before any connection. */
export type SshRoute = {
  readonly site: string;
  readonly target: string;
  readonly resolver: Resolver;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly identityFiles: readonly string[];
  readonly identitiesOnly: boolean;
  /** `SSH_AUTH_SOCK` (its socket, if set), an IdentityAgent socket path, or `none`. */
  readonly agent: { readonly from: "SSH_AUTH_SOCK" | "IdentityAgent" | "none"; readonly socket?: string };
  /** ProxyJump hops in connection order. */
  readonly jumps: readonly { readonly name: string; readonly user: string; readonly host: string; readonly port: number }[];
  readonly proxyCommand?: string;
  readonly knownHostsFiles: readonly string[];
  readonly globalKnownHostsFiles: readonly string[];
  /** The name host keys are looked up under (host, `[host]:port`, or the HostKeyAlias). */
  readonly hostKeyName: string;
  readonly hostKeyAlias?: string;
  readonly strictHostKeyChecking: StrictHostKeyChecking;
};

export function sshRoute(site: string, target: ResolvedTarget, env: Record<string, string | undefined> = process.env): SshRoute {
  const first = target.jumps[0];
  const agentOf = (t: ResolvedTarget): SshRoute["agent"] => {
    if (t.identityAgent === "none") return { from: "none" };
    if (t.identityAgent !== undefined) return { from: "IdentityAgent", socket: t.identityAgent };
    return env.SSH_AUTH_SOCK ? { from: "SSH_AUTH_SOCK", socket: env.SSH_AUTH_SOCK } : { from: "SSH_AUTH_SOCK" };
  };
  const proxyCommand = target.proxyCommand ?? first?.proxyCommand;
  return {
    site,
    target: target.name,
    resolver: target.resolver,
    host: target.host,
    port: target.port,
    user: target.user,
    identityFiles: target.identityFiles,
    identitiesOnly: target.identitiesOnly,
    agent: agentOf(target),
    jumps: target.jumps.map((j) => ({ name: j.name, user: j.user, host: j.host, port: j.port })),
    ...(proxyCommand === undefined ? {} : { proxyCommand }),
    knownHostsFiles: target.knownHostsFiles,
    globalKnownHostsFiles: target.globalKnownHostsFiles,
    hostKeyName: lookupName(target),
    ...(target.hostKeyAlias === undefined ? {} : { hostKeyAlias: target.hostKeyAlias }),
    strictHostKeyChecking: target.strictHostKeyChecking,
  };
}

export function builtInResolverNote(): string {
  return `no OpenSSH client (ssh) found, so wgsite read the ssh config with its own parser, which lacks: ${BUILT_IN_LACKS.join("; ")}`;
}

/** `~` for the home folder keeps long paths readable. */
function short(path: string): string {
  const home = homedir();
  return path === home || path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

const list = (paths: readonly string[]): string => (paths.length === 0 ? "none" : paths.map(short).join(", "));

/** The routes as text, one block per gateway, for `plan --offline`. */
export function routesToText(routes: readonly SshRoute[]): string {
  const lines = ["SSH routes (resolved, nothing connected):"];
  for (const r of routes) {
    lines.push(`  ${r.site}: ${r.user}@${hostPort(r.host, r.port)}   (${r.target}, read by ${r.resolver === "ssh -G" ? "ssh -G" : "wgsite's built-in parser"})`);
    if (r.proxyCommand !== undefined) lines.push(`    proxy command  ${r.proxyCommand}`);
    if (r.jumps.length > 0) lines.push(`    jump hosts     ${r.jumps.map((j) => `${j.user}@${hostPort(j.host, j.port)}`).join(" -> ")}`);
    lines.push(`    identities     ${list(r.identityFiles)}${r.identitiesOnly ? " (IdentitiesOnly)" : ""}`);
    lines.push(`    agent          ${r.agent.from === "none" ? "none" : `${r.agent.from === "IdentityAgent" ? "IdentityAgent" : "SSH_AUTH_SOCK"} ${r.agent.socket === undefined ? "(not set)" : short(r.agent.socket)}`}`);
    lines.push(`    known_hosts    ${list(r.knownHostsFiles)}; global ${list(r.globalKnownHostsFiles)}`);
    lines.push(`    host key       looked up as ${r.hostKeyName}${r.hostKeyAlias === undefined ? "" : " (HostKeyAlias)"}; StrictHostKeyChecking ${r.strictHostKeyChecking}`);
  }
  if (routes.some((r) => r.resolver === "built-in")) lines.push(`  note: ${builtInResolverNote()}`);
  return `${lines.join("\n")}\n`;
}
