import { isAddressLiteral } from "../core/address.ts";
import { ExitCode } from "../core/exit-codes.ts";
import { peerOf, type Site } from "../core/site.ts";
import { CHECK_IDS, findPeer, handshakeAge, type Check, type CheckStatus } from "./checks.ts";
import { formatAge, formatBytes, formatMs } from "./format.ts";
import { checkJson, gatewayJsonHead } from "./gateway-json.ts";
import type { StatusSample } from "./sample.ts";

/** One gateway as a report sees it: its latest sample and checks, or why there is none. */
export type GatewayView = {
  readonly sample?: StatusSample;
  readonly checks: readonly Check[];
  /** Set while the gateway cannot be reached. */
  readonly error?: string;
};

export function overallStatus(gateways: readonly GatewayView[]): CheckStatus {
  const all = gateways.flatMap((g) => g.checks.map((c) => c.status));
  if (gateways.some((g) => g.error) || all.includes("red")) return "red";
  return all.includes("yellow") ? "yellow" : "green";
}

/** 0 when nothing is red (yellow does not fail), 3 otherwise: the exit code contract of `status`. */
export function exitCodeOf(gateways: readonly GatewayView[]): number {
  return overallStatus(gateways) === "red" ? ExitCode.ChecksFailing : ExitCode.Ok;
}

function pairText(site: Site): string {
  const [a, b] = site.sites;
  return `${a.name} ${a.lan.map((l) => l.text).join(",")} <-> ${b.name} ${b.lan.map((l) => l.text).join(",")}`;
}

/** "alpha 10.10.10.0/24 <-> beta 10.10.11.0/24: up, 0.6 ms, 0 % loss", or the first red check. */
export function summaryLine(site: Site, gateways: readonly [GatewayView, GatewayView]): string {
  const pair = pairText(site);
  const unreachable = gateways.findIndex((g) => g.error);
  if (unreachable >= 0) return `${pair}: ${site.sites[unreachable]!.name} unreachable`;
  for (const id of CHECK_IDS) {
    for (const [i, g] of gateways.entries()) {
      const red = g.checks.find((c) => c.id === id && c.status === "red");
      if (red) return `${pair}: ${site.sites[i]!.name} ${red.title} ${red.detail}`;
    }
  }
  const latency = gateways.map((g) => g.sample?.heavy?.latency).find((l) => l?.rtt);
  const warnings = gateways.reduce((n, g) => n + g.checks.filter((c) => c.status === "yellow").length, 0);
  const parts = ["up", ...(latency?.rtt ? [formatMs(latency.rtt.avg), `${latency.lossPct} % loss`] : []), ...(warnings > 0 ? [`${warnings} warning${warnings === 1 ? "" : "s"}`] : [])];
  return `${pair}: ${parts.join(", ")}`;
}

function wgJson(site: Site, index: 0 | 1, sample: StatusSample | undefined, peerSample: StatusSample | undefined) {
  if (!sample?.wg) return null;
  const other = peerOf(site, index);
  const peer = findPeer(sample.wg, peerSample?.wg?.publicKey, other.lan.map((l) => l.text));
  const age = sample && peer ? handshakeAge(sample, peer) : undefined;
  return {
    publicKey: sample.wg.publicKey,
    listenPort: sample.wg.listenPort,
    mtu: sample.link?.mtu ?? null,
    up: sample.link?.up ?? false,
    peer: peer
      ? {
          publicKey: peer.publicKey,
          endpoint: peer.endpoint ?? null,
          allowedIps: peer.allowedIps,
          latestHandshake: peer.latestHandshake || null,
          handshakeAgeSec: age ?? null,
          rxBytes: peer.rxBytes,
          txBytes: peer.txBytes,
          keepaliveSec: peer.keepalive ?? null,
          presharedKey: peer.presharedKey,
          // An endpoint given by name: the name and what it resolves to on the gateway now.
          ...(other.endpoint.host === undefined || isAddressLiteral(other.endpoint.host) ? {} : { endpointName: other.endpoint.host, resolvesTo: sample.heavy?.resolved ?? null }),
        }
      : null,
  };
}

/** The `--json` document: a summary, then per gateway its WireGuard fields and checks. */
export function statusJson(site: Site, gateways: readonly [GatewayView, GatewayView]) {
  return {
    summary: summaryLine(site, gateways),
    status: overallStatus(gateways),
    gateways: gateways.map((g, i) => {
      const def = site.sites[i]!;
      return {
        ...gatewayJsonHead(def, g.error),
        wg: wgJson(site, i as 0 | 1, g.sample, gateways[i === 0 ? 1 : 0].sample),
        checks: g.checks.map(checkJson),
      };
    }),
  };
}

export type TextStyle = { readonly color: boolean };

/** The same marks as the wizard's theme, so a check reads the same on every screen. */
export const STATUS_MARK: Record<CheckStatus, string> = { green: "✔", yellow: "!", red: "✖" };
const ANSI: Record<CheckStatus, string> = { green: "\x1b[32m", yellow: "\x1b[33m", red: "\x1b[31m" };

export function statusMark(status: CheckStatus, style: TextStyle): string {
  return style.color ? `${ANSI[status]}${STATUS_MARK[status]}\x1b[0m` : STATUS_MARK[status];
}

/** The `--once` report: the summary, then per gateway its WireGuard fields and every check with its hint. */
export function statusText(site: Site, gateways: readonly [GatewayView, GatewayView], style: TextStyle): string {
  const lines = [summaryLine(site, gateways), ""];
  for (const [i, g] of gateways.entries()) {
    const def = site.sites[i]!;
    lines.push(`${def.name} (${def.ssh})  ${def.interface}`);
    if (g.error) {
      lines.push(`  ${statusMark("red", style)} unreachable: ${g.error}`, "");
      continue;
    }
    const wg = wgJson(site, i as 0 | 1, g.sample, gateways[i === 0 ? 1 : 0].sample);
    if (wg) {
      lines.push(`  public key  ${wg.publicKey}  port ${wg.listenPort}`);
      if (wg.peer) {
        const p = wg.peer;
        lines.push(
          `  peer        ${p.publicKey}`,
          `  endpoint    ${p.endpoint ?? "(none)"}`,
          `  allowed ips ${p.allowedIps.join(", ")}`,
          `  handshake   ${formatAge(p.handshakeAgeSec ?? undefined)}   keepalive ${p.keepaliveSec ? `${p.keepaliveSec} s` : "off"}   psk ${p.presharedKey ? "yes" : "no"}`,
          `  transfer    rx ${formatBytes(p.rxBytes)}   tx ${formatBytes(p.txBytes)}`,
        );
      }
    }
    const width = Math.max(...g.checks.map((c) => c.title.length));
    for (const c of g.checks) {
      lines.push(`  ${statusMark(c.status, style)} ${c.title.padEnd(width)}  ${c.detail}`);
      if (c.hint) lines.push(`      fix: ${c.hint}`);
    }
    lines.push("");
  }
  return lines.join("\n");
}
