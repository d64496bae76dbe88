import type { Site } from "../core/site.ts";
import type { VerifyTargets } from "../core/plan-types.ts";
import { defineFact, type Fact } from "../facts/fact.ts";
import { quote } from "../core/shell.ts";
import { factsScript, splitFacts } from "../facts/gather.ts";
import { checks, type Check, type CheckId, type PairOf } from "./checks.ts";
import { isHostLiteral, lanHostsFact, parseLanHosts, parseStatus, statusFacts } from "./probe.ts";
import type { ProbeTargets, StatusSample } from "./sample.ts";

/**
 * Apply's verification is the status probe, judged by the same checks as `wgsite status` and the
 * live pane: one definition of healthy. Only the slow measurements (path MTU, 10-ping latency) are
 * left to status; the hosts heard on the other LAN are pinged as status's full probe does.
 */
export const NOT_VERIFIED: readonly CheckId[] = ["mtu", "latency", "key-age"];

export function verifyProbeTargets(v: VerifyTargets): ProbeTargets {
  return {
    iface: v.interface,
    port: v.port,
    peerTunnelAddress: v.peerTunnelAddress,
    ...(v.peerTunnelAddress6 ? { peerTunnelAddress6: v.peerTunnelAddress6 } : {}),
    remoteLanAddresses: [v.remoteProbe],
    ...(v.localLanAddress ? { localLanAddress: v.localLanAddress } : {}),
    ...(v.remoteProbe6 ? { ipv6: { remote: v.remoteProbe6, ...(v.localLanAddress6 ? { local: v.localLanAddress6 } : {}) } } : {}),
  };
}

/**
 * A don't-fragment ping of the interface's whole MTU, LAN address to LAN address: a hop that drops
 * big packets silently passes the small pings and stalls every bulk transfer. Prints the MTU, then
 * ping's exit code, or `unsupported` for a ping that cannot set don't-fragment (busybox).
 */
export function mtuPingFact(v: VerifyTargets & { readonly localLanAddress: string }): Fact<string> {
  const iface = quote(v.interface);
  return defineFact({
    id: "mtu-ping",
    command: () =>
      `m=$(cat /sys/class/net/${iface}/mtu 2>/dev/null || echo 1420); p=$(ping -n -q -c1 -w2 -i0.1 -M do -s $((m - 28)) -I ${quote(v.localLanAddress)} ${quote(v.remoteProbe)} 2>&1); c=$?; echo "$m"; if [ $c != 0 ] && echo "$p" | grep -qiE 'invalid option|unrecognized option|usage:'; then echo unsupported; else echo $c; fi`,
    parse: (out) => out,
  });
}

export function parseMtuPing(out: string | undefined): StatusSample["mtuPing"] {
  const [mtu, result] = (out ?? "").trim().split("\n").map((l) => l.trim());
  if (!mtu || !/^\d+$/.test(mtu) || !result) return undefined;
  return { mtu: Number(mtu), ok: result === "0", ...(result === "unsupported" ? { unsupported: true as const } : {}) };
}

/** The probe's shell, run on the gateway once the tunnel answered (or the wait ran out). */
export function verifyProbeScript(v: VerifyTargets): string {
  return factsScript({ iface: v.interface, port: v.port }, verifyProbeFacts(v));
}

/** The probe as facts (with more than two sites, one set per other site: status/pair-output.ts). */
export function verifyProbeFacts(v: VerifyTargets): Fact<string>[] {
  const t = verifyProbeTargets(v);
  const hosts = (v.remoteHosts ?? []).filter(isHostLiteral).join(" ");
  // A tunnel a second old may lose one packet to a handshake collision: its pings retry every 0.1 s for up to 2 s, ending at the first reply.
  const patient = (f: Fact<string>): Fact<string> =>
    ["tunnel-ping", "tunnel-ping6", "lan-ping", "lan-ping6"].includes(f.id) ? { ...f, command: (ctx) => f.command(ctx).replace("-c1 -W1", "-c1 -w2 -i0.1") } : f;
  const local = v.localLanAddress;
  return [...statusFacts(t, { heavy: false }).map(patient), ...(local ? [mtuPingFact({ ...v, localLanAddress: local })] : []), ...(local && hosts ? [lanHostsFact(local, hosts)] : [])];
}

/** The probe's sample from a batch's output; undefined when the probe did not run. */
export function verifySample(output: string, v: VerifyTargets): StatusSample | undefined {
  if (!output.includes("@@wgsite-fact clock")) return undefined;
  const { sample: base } = parseStatus(output, verifyProbeTargets(v));
  const parts = splitFacts(output);
  const mtuPing = parseMtuPing(parts.get("mtu-ping"));
  const sample = mtuPing ? { ...base, mtuPing } : base;
  const lanHosts = parseLanHosts(parts.get("lan-hosts") ?? "");
  return lanHosts.length > 0 ? { ...sample, heavy: { at: sample.clock, lanHosts } } : sample;
}

export type Verdict = { readonly id: CheckId; readonly ok: boolean; readonly detail: string; readonly warning?: true };

/** Green passes, yellow is a warning (the run still succeeds), red fails verification; a check that is not green says its fix. */
export function verdicts(site: Site, index: number, sample: StatusSample, peer: StatusSample | undefined, pair?: PairOf): Verdict[] {
  return checks(site, index, sample, peer, pair)
    .filter((c: Check) => !NOT_VERIFIED.includes(c.id))
    .map((c) => ({
      id: c.id,
      ok: c.status === "green",
      detail: c.hint ? `${c.detail}: ${c.hint}` : c.detail,
      ...(c.status === "yellow" ? { warning: true as const } : {}),
    }));
}
