import type { HostFacts } from "../core/host-facts.ts";
import type { Secret } from "../core/secret.ts";
import { ExitCode, ExitError } from "../core/exit-codes.ts";
import type { Connection } from "../remote/connection.ts";
import { quote } from "../core/shell.ts";
import { connected } from "./connected.ts";
import { existingConfig } from "./existing-config.ts";
import type { Fact, FactContext } from "./fact.ts";
import { firewall } from "./firewall.ts";
import { initSystem } from "./init-system.ts";
import { installedTools } from "./installed-tools.ts";
import { interfaceState } from "./interface-state.ts";
import { ipForward } from "./ip-forward.ts";
import { journal } from "./journal.ts";
import { kernelWireguard } from "./kernel-wireguard.ts";
import { managedFiles } from "./managed-files.ts";
import { osRelease } from "./os-release.ts";
import { otherWireguard } from "./other-wireguard.ts";
import { packageManager } from "./package-manager.ts";
import { pskHash } from "./psk-hash.ts";
import { publicKey } from "./public-key.ts";
import { routes } from "./routes.ts";
import { rpFilter } from "./rp-filter.ts";
import { udpPorts } from "./udp-ports.ts";
import { unitState } from "./unit-state.ts";

export const ALL_FACTS = [
  osRelease,
  packageManager,
  initSystem,
  kernelWireguard,
  installedTools,
  existingConfig,
  publicKey,
  pskHash,
  managedFiles,
  interfaceState,
  unitState,
  ipForward,
  rpFilter,
  firewall,
  udpPorts,
  otherWireguard,
  routes,
  connected,
  journal,
] as const;

const MARK = "@@wgsite-fact";

/** One script that runs every fact, each output framed by markers so one parser can split them. */
export function factsScript(ctx: FactContext, facts: readonly Fact<unknown>[] = ALL_FACTS): string {
  return facts.map((f) => `echo '${MARK} ${f.id}'; { ${f.command(ctx)} ; } 2>/dev/null; echo; echo '${MARK}-end'`).join("\n");
}

export type Privilege = HostFacts["privilege"];

/**
 * Runs as the login user: notes the SSH client address (sudo would strip SSH_CONNECTION), then
 * becomes root the cheapest way that works, all in the same round trip.
 */
export function gatherScript(ctx: FactContext, havePassword: boolean): string {
  const inner = quote(factsScript(ctx));
  return [
    'echo "@@ssh-client ${SSH_CONNECTION%% *}"',
    `if [ "$(id -u)" = 0 ]; then echo '@@priv root'; sh -c ${inner};`,
    `elif sudo -n true 2>/dev/null; then echo '@@priv sudo-nopasswd'; sudo -n sh -c ${inner};`,
    havePassword
      ? `else echo '@@priv sudo-password'; sudo -S -k -p '' sh -c ${inner} || echo '@@sudo-failed'; fi`
      : `elif command -v sudo >/dev/null 2>&1; then echo '@@priv need-password'; else echo '@@priv no-sudo'; fi`,
  ].join("\n");
}

export function splitFacts(output: string): Map<string, string> {
  const parts = new Map<string, string>();
  const re = new RegExp(`^${MARK} (\\S+)\\n([\\s\\S]*?)\\n?${MARK}-end$`, "gm");
  for (let m = re.exec(output); m; m = re.exec(output)) parts.set(m[1]!, m[2]!.replace(/\n$/, ""));
  return parts;
}

export type GatherOutcome =
  | { readonly kind: "facts"; readonly facts: HostFacts & { readonly firewallRaw: { iptables: string; nft: string } } }
  | { readonly kind: "need-password" }
  | { readonly kind: "no-privilege" };

export function parseGather(output: string, ctx: FactContext): GatherOutcome {
  const priv = /^@@priv (\S+)$/m.exec(output)?.[1];
  if (priv === "need-password") return { kind: "need-password" };
  if (priv === "no-sudo" || !priv) return { kind: "no-privilege" };
  const parts = splitFacts(output);
  const get = <T>(fact: Fact<T>): T => fact.parse(parts.get(fact.id) ?? "", ctx);
  const fw = get(firewall);
  const { raw, ...fwFacts } = fw;
  const client = /^@@ssh-client (\S+)$/m.exec(output)?.[1];
  const facts = {
    os: get(osRelease),
    packageManager: get(packageManager),
    init: get(initSystem),
    kernelWireguard: get(kernelWireguard),
    installed: get(installedTools),
    existingConfig: get(existingConfig),
    publicKey: get(publicKey),
    pskHash: get(pskHash),
    files: get(managedFiles),
    interfaceUp: get(interfaceState),
    unit: get(unitState),
    ipForward: get(ipForward),
    rpFilter: get(rpFilter),
    firewall: fwFacts,
    udpPortsInUse: get(udpPorts),
    otherWireguard: get(otherWireguard),
    routes: get(routes),
    connected: get(connected),
    journal: get(journal),
    privilege: priv as Privilege,
    firewallRaw: raw,
    ...(client ? { sshClient: client } : {}),
  };
  return { kind: "facts", facts };
}

/** Gathers every fact of one gateway in one round trip. */
export async function gatherFacts(conn: Connection, label: string, ctx: FactContext, password?: Secret): Promise<GatherOutcome> {
  const result = await conn.exec(gatherScript(ctx, password !== undefined), {
    ...(password ? { stdin: `${password.reveal()}\n` } : {}),
    timeoutMs: 60_000,
  });
  if (result.stdout.includes("@@sudo-failed") || (/^@@priv sudo-password$/m.test(result.stdout) && !result.stdout.includes(MARK))) {
    throw new ExitError(ExitCode.InvalidInput, `${label}: the sudo password was rejected; set WGSITE_SUDO_PASSWORD_${label.toUpperCase()} or WGSITE_SUDO_PASSWORD to the right one`);
  }
  return parseGather(result.stdout, ctx);
}
