import type { HostFacts } from "../../../src/core/host-facts.ts";
import type { Plan } from "../../../src/core/plan-types.ts";
import type { Site } from "../../../src/core/site.ts";
import { peersOf, transferAddress } from "../../../src/core/topology.ts";
import type { GatewaySession } from "../../../src/remote/gateways.ts";
import { FakeGateway } from "./fake-gateway.ts";

const section = (id: string, body: string) => `@@wgsite-fact ${id}\n${body}\n\n@@wgsite-fact-end`;
const ping = (to: string, ok: boolean) =>
  `PING ${to} (${to}) 56(84) bytes of data.\n\n--- ${to} ping statistics ---\n1 packets transmitted, ${ok ? 1 : 0} received, ${ok ? 0 : 100}% packet loss, time 0ms${ok ? "\nrtt min/avg/max/mdev = 0.482/0.482/0.482/0.000 ms" : ""}`;

/** A public key per site, valid base64 of 32 bytes. */
export function siteKeys(site: Site): string[] {
  return site.sites.map((_, i) => Buffer.alloc(32, i + 1).toString("base64"));
}

/**
 * What gateway `index` prints for its verification with more than two sites: one probe per other
 * site, framed by pair markers, as a working mesh or hub would answer (or with `deadPairs`, the
 * listed "a-b" pairs not answering from either end).
 */
export function sitesProbeOutput(plan: Plan, index: number, keys: readonly string[], deadPairs: readonly string[] = []): string {
  const site = plan.site;
  const self = site.sites[index]!;
  const own = transferAddress(site, index);
  const clock = 1795617831;
  const peerLines = peersOf(site, index).map((p) =>
    [keys[p.index], "(none)", p.site.endpoint.host ? `${p.site.endpoint.host}:${p.site.endpoint.port}` : "(none)", p.allowed.join(","), clock - 1, 100, 100, p.keepalive || "off"].join("\t"),
  );
  const lan = self.lan[0]!.text.replace(/\.0\/24$/, ".1");
  const out: string[] = [];
  for (const p of plan.gateways[index]!.pairs ?? []) {
    const dead = deadPairs.includes(`${self.name}-${p.site}`) || deadPairs.includes(`${p.site}-${self.name}`);
    out.push(
      `@@wgsite-pair ${p.site}`,
      section("clock", String(clock)),
      section("init", "systemd"),
      section("tunnel-ping", ping(p.peerTunnelAddress, !dead)),
      section("lan-ping", ping(p.remoteProbe, !dead)),
      section("wg", `(hidden)\t${keys[index]}\t${self.endpoint.port}\toff\n${peerLines.join("\n")}`),
      section("link", `5: ${self.interface}: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc noqueue state UNKNOWN`),
      section("unit", "enabled\nactive"),
      section("ip-forward", "1\n\nnet.ipv4.ip_forward = 1"),
      section("rp-filter", "0\n0\n0"),
      section("addresses", `@@sum 1-1\n2: eth0    inet 192.0.2.${index + 10}/24 scope global eth0\n3: eth1    inet ${lan}/24 scope global eth1\n5: ${self.interface}    inet ${own}/${site.tunnel.network.prefix} scope global ${self.interface}`),
      section("routes", `@@to ${p.remoteProbe}\n${p.remoteProbe} dev ${self.interface} src ${own} uid 0`),
      section("firewall", "@@sum 2-2\n@@version\niptables v1.8.9 (nf_tables)\n@@iptables\n@@nft\n@@ufw\n@@firewalld"),
    );
  }
  out.push("@@wgsite-pair end");
  return out.join("\n");
}

/** One fake gateway per site of the plan, each answering as a working tunnel would (save `deadPairs`). */
export function fakeSites(plan: Plan, keys: readonly string[], options: { deadPairs?: readonly string[]; failStep?: [string, string] } = {}): FakeGateway[] {
  return plan.site.sites.map((def, i) =>
    new FakeGateway(def.name, keys[i]!, { probe: sitesProbeOutput(plan, i, keys, options.deadPairs), ...(options.failStep?.[0] === def.name ? { failStep: options.failStep[1] } : {}) }),
  );
}

export function siteSessions(site: Site, facts: readonly HostFacts[], gateways: readonly FakeGateway[]): GatewaySession[] {
  return site.sites.map((def, index) => ({ def, index, conn: gateways[index]!, root: gateways[index]!, facts: facts[index]!, release: () => undefined, jumpHosts: [] }));
}
