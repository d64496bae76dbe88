import assert from "node:assert/strict";
import { test } from "node:test";
import { firewallHooks, peerSources, restrictPortNote } from "../../src/core/firewall.ts";
import { loadSite } from "../../src/core/load-site.ts";
import type { Site } from "../../src/core/site.ts";

function site(betaEndpoint: string, extra = "", betaLan = "10.10.11.0/24"): Site {
  const yaml = [
    "tunnel: { network: 10.10.9.0/31, port: 51000 }",
    "sites:",
    "  alpha: { lan: [10.10.10.0/24], endpoint: 192.0.2.1, interface: wgA, ssh: alpha-gw }",
    `  beta: { lan: [${betaLan}], endpoint: '${betaEndpoint}', interface: wgB, ssh: beta-gw }`,
    extra,
  ].join("\n");
  const result = loadSite(yaml);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.site;
}

/** The rules a PostUp inserts, as `cmd CHAIN spec` without the -C/-I and mark. */
const inserted = (lines: readonly string[]) =>
  lines.map((l) => l.split(" || ")[1]!.replace(/ -w( -t \w+)? -I /, (_m, t: string | undefined) => `${t ? ` ${t.trim()}` : ""} `).replace(" -m comment --comment wgsite:%i", ""));

const nftFile = (s: Site, addresses?: readonly string[]) => firewallHooks(s, 0, "nftables", addresses ? { peerAddresses: { "vpn-beta.example.net": addresses } } : {}).files[0]!.content;

test("restrictPort, IPv4 peer, iptables: the peer in on IPv4, the port dropped for every other source on both families", () => {
  const hooks = firewallHooks(site("192.0.2.2"), 0, "iptables-nft");
  // -I puts each rule on top: they are inserted bottom first.
  assert.deepEqual(inserted(hooks.postUp), [
    "ip6tables INPUT -p udp --dport 51000 -j DROP",
    "iptables INPUT -p udp --dport 51000 -j DROP",
    "iptables INPUT -p udp --dport 51000 -s 192.0.2.2 -j ACCEPT",
  ]);
  assert.equal(hooks.preDown.length, 3);
  assert.ok(hooks.postUp.filter((l) => l.startsWith("ip6tables")).every((l) => l.endsWith(" || [ ! -e /proc/net/if_inet6 ]")), "no IPv6 in the kernel: nothing to filter, wg-quick up goes on");
  assert.ok(hooks.postUp.filter((l) => l.startsWith("iptables")).every((l) => !l.includes("if_inet6")));
  assert.ok(hooks.preDown.some((l) => l.startsWith("ip6tables -w -D INPUT -p udp --dport 51000 ")));
});

test("restrictPort, IPv6 peer: accepted on IPv6, IPv4 dropped whole", () => {
  const hooks = firewallHooks(site("2001:db8::2"), 0, "iptables-legacy");
  assert.deepEqual(inserted(hooks.postUp), [
    "ip6tables INPUT -p udp --dport 51000 -j DROP",
    "ip6tables INPUT -p udp --dport 51000 -s 2001:db8::2 -j ACCEPT",
    "iptables INPUT -p udp --dport 51000 -j DROP",
  ]);
  assert.equal(
    nftFile(site("2001:db8::2")).split("\n").filter((l) => l.includes("dport 51000")).map((l) => l.trim()).join("\n"),
    "meta nfproto ipv4 udp dport 51000 drop\nudp dport 51000 ip6 saddr != 2001:db8::2 drop",
  );
});

test("restrictPort, nftables: one drop per family, as `ip saddr` is skipped by IPv6 packets in an inet table", () => {
  assert.deepEqual(
    nftFile(site("192.0.2.2")).split("\n").filter((l) => l.includes("dport 51000")).map((l) => l.trim()),
    ["udp dport 51000 ip saddr != 192.0.2.2 drop", "meta nfproto ipv6 udp dport 51000 drop"],
  );
});

test("an endpoint by name: exactly the addresses it resolves to now, on each family, and the plan says so", () => {
  const s = site("vpn-beta.example.net");
  const addresses = ["198.51.100.7", "198.51.100.8", "2001:db8::7"];
  const resolved = { "vpn-beta.example.net": addresses };
  assert.deepEqual(peerSources(["vpn-beta.example.net"], resolved), { ipv4: ["198.51.100.7", "198.51.100.8"], ipv6: ["2001:db8::7"] });
  assert.deepEqual(peerSources(["vpn-beta.example.net"]), { ipv4: ["vpn-beta.example.net"], ipv6: ["vpn-beta.example.net"] }, "offline: the name for iptables to resolve");
  assert.deepEqual(peerSources(["192.0.2.3", "vpn-beta.example.net", "2001:db8::9"], resolved), { ipv4: ["192.0.2.3", "198.51.100.7", "198.51.100.8"], ipv6: ["2001:db8::7", "2001:db8::9"] });
  assert.deepEqual(inserted(firewallHooks(s, 0, "iptables-nft", { peerAddresses: resolved }).postUp), [
    "ip6tables INPUT -p udp --dport 51000 -j DROP",
    "ip6tables INPUT -p udp --dport 51000 -s 2001:db8::7 -j ACCEPT",
    "iptables INPUT -p udp --dport 51000 -j DROP",
    "iptables INPUT -p udp --dport 51000 -s 198.51.100.8 -j ACCEPT",
    "iptables INPUT -p udp --dport 51000 -s 198.51.100.7 -j ACCEPT",
  ]);
  assert.deepEqual(
    nftFile(s, addresses).split("\n").filter((l) => l.includes("dport 51000")).map((l) => l.trim()),
    ["udp dport 51000 ip saddr != { 198.51.100.7, 198.51.100.8 } drop", "udp dport 51000 ip6 saddr != 2001:db8::7 drop"],
  );
  assert.equal(restrictPortNote(s, 0, resolved), "restrictPort: vpn-beta.example.net resolves to 198.51.100.7, 198.51.100.8, 2001:db8::7 now; apply again when that changes");
  assert.equal(restrictPortNote(site("192.0.2.2"), 0, undefined), undefined);
});

test("an endpoint name that resolves to nothing closes the port on both families, and the plan names the fix", () => {
  const s = site("vpn-beta.example.net");
  assert.deepEqual(inserted(firewallHooks(s, 0, "iptables-nft", { peerAddresses: { "vpn-beta.example.net": [] } }).postUp), [
    "ip6tables INPUT -p udp --dport 51000 -j DROP",
    "iptables INPUT -p udp --dport 51000 -j DROP",
  ]);
  assert.match(restrictPortNote(s, 0, { "vpn-beta.example.net": [] })!, /does not resolve on this gateway, so UDP 51000 is closed to everyone; fix its DNS/);
});

test("block rules: every family the LANs have; icmp is ICMP and ICMPv6", () => {
  const block = "firewall: { restrictPort: false, block: [{ proto: tcp, port: 22 }, { proto: icmp }] }";
  const v4 = firewallHooks(site("192.0.2.2", block), 0, "iptables-nft");
  assert.deepEqual(inserted(v4.postUp), ["iptables FORWARD -i %i -p icmp -j REJECT", "iptables FORWARD -i %i -p tcp --dport 22 -j REJECT"]);
  const dual = site("192.0.2.2", block, "10.10.11.0/24, 2001:db8:11::/64");
  assert.deepEqual(inserted(firewallHooks(dual, 0, "iptables-nft").postUp), [
    "ip6tables FORWARD -i %i -p ipv6-icmp -m icmp6 ! --icmpv6-type packet-too-big -j REJECT",
    "ip6tables FORWARD -i %i -p tcp --dport 22 -j REJECT",
    "iptables FORWARD -i %i -p icmp -j REJECT",
    "iptables FORWARD -i %i -p tcp --dport 22 -j REJECT",
  ]);
  const forward = (s: Site) => nftFile(s).split("\n").filter((l) => l.includes('iifname "wgA"')).map((l) => l.trim());
  assert.deepEqual(forward(site("192.0.2.2", block)), ['iifname "wgA" tcp dport 22 reject', 'iifname "wgA" ip protocol icmp reject']);
  assert.deepEqual(forward(dual), ['iifname "wgA" tcp dport 22 reject', 'iifname "wgA" ip protocol icmp reject', 'iifname "wgA" meta l4proto ipv6-icmp icmpv6 type != packet-too-big reject']);
});

test("MSS clamping: an owned mangle pair per family in iptables, a chain of wgsite's table in nftables", () => {
  const s = site("192.0.2.2", "firewall: { restrictPort: false }");
  const ipt = firewallHooks(s, 0, "iptables-nft", { clampMss: true });
  assert.deepEqual(ipt.postUp, [
    "iptables -w -t mangle -C FORWARD -o %i -p tcp --tcp-flags SYN,RST SYN -m comment --comment wgsite:%i -j TCPMSS --clamp-mss-to-pmtu 2>/dev/null || iptables -w -t mangle -I FORWARD -o %i -p tcp --tcp-flags SYN,RST SYN -m comment --comment wgsite:%i -j TCPMSS --clamp-mss-to-pmtu",
  ]);
  assert.deepEqual(ipt.preDown, ["iptables -w -t mangle -D FORWARD -o %i -p tcp --tcp-flags SYN,RST SYN -m comment --comment wgsite:%i -j TCPMSS --clamp-mss-to-pmtu 2>/dev/null || true"]);
  const dual = site("192.0.2.2", "firewall: { restrictPort: false }", "10.10.11.0/24, 2001:db8:11::/64");
  assert.equal(firewallHooks(dual, 0, "iptables-nft", { clampMss: true }).postUp.filter((l) => l.startsWith("ip6tables -w -t mangle")).length, 1);
  const nft = firewallHooks(s, 0, "nftables", { clampMss: true });
  assert.deepEqual(nft.postUp, ["nft -f /etc/wireguard/wgA.nft"]);
  assert.match(nft.files[0]!.content, /\tchain mss \{\n\t\ttype filter hook forward priority mangle; policy accept;\n\t\toifname "wgA" tcp flags & \(syn \| rst\) == syn tcp option maxseg size set rt mtu\n\t\}/);
  assert.deepEqual(firewallHooks(s, 0, "nftables").files, [], "no clamping, no rules: no table");
});
