import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCidr, type Cidr } from "../../src/core/address.ts";
import { forwardPaths } from "../../src/core/rules/forward.ts";
import { interSiteNat } from "../../src/core/rules/inter-site-nat.ts";
import { parseIptablesSave, type IptablesDump } from "../../src/core/rules/iptables-save.ts";
import { parseNftRuleset, type NftRuleset } from "../../src/core/rules/nft-ruleset.ts";
import { fixture } from "./helpers.ts";

const cidr = (text: string): Cidr => {
  const r = parseCidr(text);
  if (!r.ok) throw new Error(text);
  return r.cidr;
};
const ALPHA = [cidr("10.10.10.0/24")];
const BETA = [cidr("10.10.11.0/24")];
const NONE_IPT: IptablesDump = { tables: {} };
const NONE_NFT: NftRuleset = { chains: [] };

const forward = (iptables: IptablesDump, nft: NftRuleset) =>
  forwardPaths({ iptables, nft, wgInterface: "wgA", lanInterface: "lan0", localLans: ALPHA, remoteLans: BETA }).map((p) => [p.from, p.to, p.verdict, p.by]);

test("FORWARD: no rules at all lets LAN <-> tunnel through", () => {
  assert.deepEqual(forward(NONE_IPT, NONE_NFT), [["lan0", "wgA", "accept", "no forward rules"], ["wgA", "lan0", "accept", "no forward rules"]]);
});

test("FORWARD: policy DROP with accept rules for the wg interface ahead (iptables-nft capture)", () => {
  // The REJECT for tcp/22 and the conntrack rule only catch some packets: they do not decide.
  assert.deepEqual(forward(parseIptablesSave(fixture("iptables-save-drop-accept.txt")), parseNftRuleset(fixture("nft-iptables-nft.txt"))), [
    ["lan0", "wgA", "accept", "-A FORWARD -o wgA -j ACCEPT"],
    ["wgA", "lan0", "accept", "-A FORWARD -i wgA -j ACCEPT"],
  ]);
});

test("FORWARD: policy DROP and nothing else drops both ways", () => {
  assert.deepEqual(forward(parseIptablesSave(fixture("iptables-save-drop.txt")), parseNftRuleset(fixture("nft-iptables-nft.txt"))), [
    ["lan0", "wgA", "drop", "FORWARD policy drop"],
    ["wgA", "lan0", "drop", "FORWARD policy drop"],
  ]);
});

test("FORWARD: native nftables, policy drop with iifname/oifname accepts, and without", () => {
  assert.deepEqual(forward(NONE_IPT, parseNftRuleset(fixture("nft-forward-drop-accept.txt"))), [
    ["lan0", "wgA", "accept", 'iifname "lan0" oifname "wgA" accept'],
    ["wgA", "lan0", "accept", 'iifname "wgA" oifname "lan0" counter packets 0 bytes 0 accept'],
  ]);
  const dropped = forwardPaths({ iptables: NONE_IPT, nft: parseNftRuleset(fixture("nft-forward-drop.txt")), wgInterface: "wgA", lanInterface: "lan0", localLans: ALPHA, remoteLans: BETA });
  assert.deepEqual(dropped[0], { from: "lan0", to: "wgA", verdict: "drop", by: "forward policy drop", at: { backend: "nftables", table: "inet filter", chain: "forward" } });
});

test("FORWARD: jumps into user chains (Docker's layout) are followed; a DROP policy behind them still drops", () => {
  const docker = [
    "*filter",
    ":INPUT ACCEPT [0:0]",
    ":FORWARD DROP [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":DOCKER - [0:0]",
    ":DOCKER-USER - [0:0]",
    "-A FORWARD -j DOCKER-USER",
    "-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A FORWARD -o docker0 -j DOCKER",
    "-A FORWARD -i docker0 ! -o docker0 -j ACCEPT",
    "-A DOCKER-USER -j RETURN",
    "COMMIT",
  ].join("\n");
  assert.deepEqual(forward(parseIptablesSave(docker), NONE_NFT)[0], ["lan0", "wgA", "drop", "FORWARD policy drop"]);
  const fixed = docker.replace("-A DOCKER-USER -j RETURN", "-A DOCKER-USER -i wgA -j ACCEPT\n-A DOCKER-USER -o wgA -j ACCEPT\n-A DOCKER-USER -j RETURN");
  assert.deepEqual(forward(parseIptablesSave(fixed), NONE_NFT), [
    ["lan0", "wgA", "accept", "-A DOCKER-USER -o wgA -j ACCEPT"],
    ["wgA", "lan0", "accept", "-A DOCKER-USER -i wgA -j ACCEPT"],
  ]);
});

test("FORWARD: a DROP that names the remote LAN decides; one for another network does not", () => {
  const rules = (spec: string) => parseIptablesSave(`*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD ${spec}\nCOMMIT\n`);
  assert.equal(forward(rules("-d 10.10.11.0/24 -j DROP"), NONE_NFT)[0]![2], "drop");
  assert.equal(forward(rules("-d 10.0.0.0/8 -j REJECT --reject-with icmp-net-prohibited"), NONE_NFT)[0]![2], "drop");
  assert.equal(forward(rules("-d 192.168.0.0/16 -j DROP"), NONE_NFT)[0]![2], "accept");
  assert.equal(forward(rules("! -i wgA -j DROP"), NONE_NFT)[1]![2], "accept");
});

test("NAT: a MASQUERADE for the LAN's source catches inter-site traffic; one for the uplink does not", () => {
  const caught = interSiteNat(parseIptablesSave(fixture("iptables-save-drop.txt")), parseNftRuleset(fixture("nft-iptables-nft.txt")), ALPHA, BETA, "wgA");
  assert.deepEqual(caught, {
    rule: { table: "nat", chain: "POSTROUTING", rule: "-A POSTROUTING -s 10.10.10.0/24 -j MASQUERADE", target: "MASQUERADE", source: "10.10.10.0/24" },
    backend: "iptables",
    table: "nat",
    chain: "POSTROUTING",
  });
  const uplinkOnly = parseIptablesSave("*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o vA -j MASQUERADE\nCOMMIT\n");
  assert.equal(interSiteNat(uplinkOnly, NONE_NFT, ALPHA, BETA, "wgA"), undefined);
});

test("NAT: a RETURN for the remote LAN ahead of the MASQUERADE exempts inter-site traffic", () => {
  const exempt = parseIptablesSave("*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -s 10.10.10.0/24 -d 10.10.11.0/24 -j RETURN\n-A POSTROUTING -s 10.10.10.0/24 -j MASQUERADE\nCOMMIT\n");
  assert.equal(interSiteNat(exempt, NONE_NFT, ALPHA, BETA, "wgA"), undefined);
});

test("NAT: nftables masquerade with `ip daddr != remote LAN` exempts it; a bare saddr masquerade catches it", () => {
  assert.equal(interSiteNat(NONE_IPT, parseNftRuleset(fixture("nft-forward-drop-accept.txt")), ALPHA, BETA, "wgA"), undefined);
  assert.deepEqual(interSiteNat(NONE_IPT, parseNftRuleset(fixture("nft-forward-drop.txt")), ALPHA, BETA, "wgA"), {
    rule: { table: "nat", chain: "POSTROUTING", rule: "ip saddr 10.10.10.0/24 masquerade", target: "MASQUERADE", source: "10.10.10.0/24" },
    backend: "nftables",
    table: "ip nat",
    chain: "postrouting",
  });
});

test("FORWARD under firewalld (its table as read without the nft command, real capture): wgA in eth1's zone passes; taken out, the zone rejects LAN -> tunnel", () => {
  const paths = (file: string) =>
    forwardPaths({ iptables: NONE_IPT, nft: parseNftRuleset(fixture(file)), wgInterface: "wgA", lanInterface: "eth1", localLans: ALPHA, remoteLans: BETA }).map((p) => [p.from, p.to, p.verdict, p.by]);
  assert.deepEqual(paths("nft-firewalld-zoned.txt"), [
    ["eth1", "wgA", "accept", 'oifname "wgA" accept'],
    ["wgA", "eth1", "accept", 'oifname "eth1" accept'],
  ]);
  // Back from the tunnel still passes: an interface in no zone falls into the default zone, eth1's.
  assert.deepEqual(paths("nft-firewalld-unzoned.txt"), [
    ["eth1", "wgA", "drop", "reject with icmpx admin-prohibited"],
    ["wgA", "eth1", "accept", 'oifname "eth1" accept'],
  ]);
});
