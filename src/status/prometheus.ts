import { peerOf, type Site } from "../core/site.ts";
import { findPeer, handshakeAge, type Check, type CheckStatus } from "./checks.ts";
import type { GatewayView } from "./report.ts";
import type { StatusSample } from "./sample.ts";
import type { WgPeer } from "./wg-dump.ts";

export type Labels = Readonly<Record<string, string>>;
type Series = { readonly labels: Labels; readonly value: number };
type Family = { readonly name: string; readonly type: "gauge" | "counter"; readonly help: string; readonly series: Series[] };

const STATES: readonly CheckStatus[] = ["green", "yellow", "red"];

/** Label values escape backslash, double quote and newline (the text exposition format's rule). */
const labelValue = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labelText = (labels: Labels) => {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${labelValue(v)}"`);
  return pairs.length > 0 ? `{${pairs.join(",")}}` : "";
};
/** Integers as integers; Prometheus reads Go floats, so no exponent surprises for byte counts. */
const number = (n: number) => (Number.isInteger(n) ? String(n) : String(Math.round(n * 1e6) / 1e6));

function family(name: string, type: Family["type"], help: string): Family {
  return { name, type, help, series: [] };
}

/** The metric families, empty, in the order they are printed. */
export function metricFamilies() {
  return {
    up: family("wgsite_gateway_up", "gauge", "1 when wgsite reached the gateway and its probe ran, 0 when it could not."),
    time: family("wgsite_probe_timestamp_seconds", "gauge", "When this snapshot was taken (Unix time); alert when it stops moving."),
    iface: family("wgsite_interface_up", "gauge", "1 when the WireGuard interface exists and is up."),
    handshake: family("wgsite_peer_last_handshake_timestamp_seconds", "gauge", "Latest handshake with the peer on the gateway's clock (Unix time), 0 = never."),
    age: family("wgsite_peer_handshake_age_seconds", "gauge", "Seconds since the latest handshake with the peer (absent: never); above 180 the tunnel is down."),
    rx: family("wgsite_peer_receive_bytes_total", "counter", "Bytes received from the peer (wg show transfer; resets when the interface restarts)."),
    tx: family("wgsite_peer_transmit_bytes_total", "counter", "Bytes sent to the peer (wg show transfer; resets when the interface restarts)."),
    latency: family("wgsite_lan_latency_seconds", "gauge", "Average round trip of 10 pings from this LAN to the peer's LAN through the tunnel."),
    loss: family("wgsite_lan_loss_ratio", "gauge", "Share of those 10 pings lost, 0 to 1."),
    mtu: family("wgsite_path_mtu_bytes", "gauge", "Largest packet that crossed the tunnel with don't-fragment set."),
    keyAge: family("wgsite_private_key_age_seconds", "gauge", "Age of the gateway's private key (its file's mtime on the gateway's clock); wgsite rotate makes a new one."),
    check: family("wgsite_check_status", "gauge", "Each health check of wgsite status as a state set: 1 for the state it is in (green, yellow, red)."),
  };
}

export type MetricFamilies = ReturnType<typeof metricFamilies>;

/** The gateway's own numbers: its interface and its key. */
export function gatewaySeries(f: MetricFamilies, labels: Labels, s: StatusSample): void {
  f.iface.series.push({ labels, value: s.wg && s.link?.up ? 1 : 0 });
}

/** The peer entry's numbers: handshake and transfer. */
export function peerSeries(f: MetricFamilies, labels: Labels, s: StatusSample, peer: WgPeer | undefined): void {
  if (!peer) return;
  f.handshake.series.push({ labels, value: peer.latestHandshake });
  const age = handshakeAge(s, peer);
  if (age !== undefined) f.age.series.push({ labels, value: age });
  f.rx.series.push({ labels, value: peer.rxBytes });
  f.tx.series.push({ labels, value: peer.txBytes });
}

/** The path's numbers: LAN latency and loss, path MTU (measured by the full probe only). */
export function pathSeries(f: MetricFamilies, labels: Labels, s: StatusSample): void {
  const lat = s.heavy?.latency;
  if (lat && lat.sent > 0) {
    if (lat.rtt) f.latency.series.push({ labels, value: lat.rtt.avg / 1000 });
    f.loss.series.push({ labels, value: lat.lossPct / 100 });
  }
  if (s.heavy?.pathMtu?.pathMtu !== undefined) f.mtu.series.push({ labels, value: s.heavy.pathMtu.pathMtu });
}

export function keyAgeSeries(f: MetricFamilies, labels: Labels, s: StatusSample): void {
  if (s.keyMadeAt !== undefined) f.keyAge.series.push({ labels, value: Math.max(0, s.clock - s.keyMadeAt) });
}

/** A check as a state set: one series per state, 1 for the one it is in. */
export function checkSeries(f: MetricFamilies, labels: Labels, c: Check): void {
  for (const state of STATES) f.check.series.push({ labels: { ...labels, check: c.id, state }, value: c.status === state ? 1 : 0 });
}

/**
 * `wgsite status --once --prometheus`: one snapshot in Prometheus's text exposition format, for
 * node_exporter's textfile collector or any scrape. Every series carries site, peer and interface,
 * so several site files can write one file each into the same directory without clashing. A check is
 * a state set: one series per state, 1 for the state it is in. `at` is when the snapshot was taken
 * (epoch seconds), so a rule can tell a stale file from a healthy one. More than two sites:
 * sites-prometheus.ts.
 */
export function prometheusText(site: Site, gateways: readonly [GatewayView, GatewayView], at: number): string {
  const f = metricFamilies();
  for (const [i, g] of gateways.entries()) {
    const index = i as 0 | 1;
    const self = site.sites[index];
    const other = peerOf(site, index);
    const labels: Labels = { site: self.name, peer: other.name, interface: self.interface };
    const s = g.sample;
    f.up.series.push({ labels, value: g.error || !s ? 0 : 1 });
    f.time.series.push({ labels, value: at });
    if (g.error || !s) continue;
    gatewaySeries(f, labels, s);
    peerSeries(f, labels, s, findPeer(s.wg, gateways[index === 0 ? 1 : 0].sample?.wg?.publicKey, other.lan.map((l) => l.text)));
    pathSeries(f, labels, s);
    keyAgeSeries(f, labels, s);
    for (const c of g.checks) checkSeries(f, labels, c);
  }
  return render(Object.values(f));
}

/** What `--prometheus` prints when the gateways could not be opened at all: every one down, nothing else known. */
export function unreachableText(site: Site, at: number): string {
  if (site.sites.length > 2) {
    const f = metricFamilies();
    for (const def of site.sites) {
      const labels: Labels = { site: def.name, interface: def.interface };
      f.up.series.push({ labels, value: 0 });
      f.time.series.push({ labels, value: at });
    }
    return render(Object.values(f));
  }
  return prometheusText(site, [{ checks: [], error: "not reached" }, { checks: [], error: "not reached" }], at);
}

export function render(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const fam of families) {
    if (fam.series.length === 0) continue;
    lines.push(`# HELP ${fam.name} ${fam.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${fam.name} ${fam.type}`);
    for (const s of fam.series) lines.push(`${fam.name}${labelText(s.labels)} ${number(s.value)}`);
  }
  return `${lines.join("\n")}\n`;
}
