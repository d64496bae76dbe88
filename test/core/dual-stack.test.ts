import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ipv6VerifyTargets } from "../../src/core/dual-stack.ts";
import { fieldFixes } from "../../src/core/field-fixes.ts";
import { forwardAcceptCount, forwardAcceptHooks } from "../../src/core/firewall.ts";
import type { HostFacts } from "../../src/core/host-facts.ts";
import { nextJournal } from "../../src/core/journal.ts";
import { loadSite } from "../../src/core/load-site.ts";
import { plan } from "../../src/core/plan.ts";
import { removalSteps } from "../../src/core/removal.ts";
import type { Site } from "../../src/core/site.ts";

const fresh = JSON.parse(readFileSync(new URL("../fixtures/facts/fresh-debian.json", import.meta.url), "utf8")) as HostFacts;

function site(extra = ""): Site {
  const result = loadSite(
    [
      "tunnel: { network: 10.10.9.0/31 }",
      "sites:",
      "  alpha: { lan: [10.10.10.0/24, '2001:db8:10::/64'], endpoint: 192.0.2.1, interface: wgA, ssh: a }",
      "  beta: { lan: [10.10.11.0/24, '2001:db8:11::/64'], endpoint: 192.0.2.2, interface: wgB, ssh: b }",
      extra,
    ].join("\n"),
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.site;
}

const v6 = { ip6Forward: { runtime: false, persisted: false } };
const alpha: HostFacts = { ...fresh, ...v6, connected6: [{ dev: "lan0", address: "2001:db8:10::1", cidr: "2001:db8:10::1/64" }] };
const beta: HostFacts = {
  ...fresh,
  ...v6,
  connected: [{ dev: "host0", address: "192.0.2.2", cidr: "192.0.2.2/24" }, { dev: "lan0", address: "10.10.11.1", cidr: "10.10.11.1/24" }],
  connected6: [{ dev: "lan0", address: "2001:db8:11::1", cidr: "2001:db8:11::1/64" }],
};

test("IPv6 LANs: forwarding for both families, persisted in one drop-in, undone to how it was", () => {
  const p = plan({ site: site(), facts: [alpha, beta], runId: "R1" });
  const step = p.gateways[0].steps.find((s) => s.id === "forwarding")!;
  assert.equal(step.title, "Enable IPv4 and IPv6 forwarding (now and after reboot)");
  const content = "# managed by wgsite: routed site-to-site traffic through wgA\nnet.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 1\n";
  const path = "/etc/sysctl.d/99-wgsite-wgA.conf";
  assert.deepEqual(step.ops, [
    { op: "write", path, mode: "0644", content },
    { op: "run", sh: "sysctl -q -w net.ipv4.ip_forward=1" },
    { op: "run", sh: "sysctl -q -w net.ipv6.conf.all.forwarding=1" },
  ]);
  assert.deepEqual(step.undo, [
    { op: "restore", path, existed: false },
    { op: "run", sh: "sysctl -q -w net.ipv4.ip_forward=0" },
    { op: "run", sh: "sysctl -q -w net.ipv6.conf.all.forwarding=0" },
  ]);
  assert.match(step.reason!, /accept_ra=2/);
  const on = { runtime: true, persisted: false };
  const done = plan({ site: site(), facts: [{ ...alpha, ipForward: on, ip6Forward: on, files: { "/etc/sysctl.d/99-wgsite-wgA.conf": content } }, beta] });
  assert.equal(done.gateways[0].steps.find((s) => s.id === "forwarding")!.noop, "ip_forward and IPv6 forwarding already 1");
});

test("remove turns IPv6 forwarding back off when wgsite's drop-in turned it on", () => {
  const p = plan({ site: site(), facts: [alpha, beta], runId: "R1" });
  const journal = nextJournal(site().sites[0], alpha, p.gateways[0], "R1");
  assert.equal(journal.before.ip6Forward, false);
  const content = "# managed by wgsite: routed site-to-site traffic through wgA\nnet.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 1\n";
  const after: HostFacts = { ...alpha, journal, files: { "/etc/sysctl.d/99-wgsite-wgA.conf": content } };
  const ids = removalSteps("wgA", after, false).steps.map((s) => s.id);
  assert.ok(ids.includes("forwarding") && ids.includes("forwarding6"), ids.join(","));
  const v4only: HostFacts = { ...after, files: { "/etc/sysctl.d/99-wgsite-wgA.conf": "net.ipv4.ip_forward = 1\n" } };
  assert.ok(!removalSteps("wgA", v4only, false).steps.some((s) => s.id === "forwarding6"), "IPv6 forwarding wgsite did not turn on stays");
});

test("forward accepts per family: IPv6 LANs in ip6tables and `ip6` matches, never an IPv4 LAN paired with an IPv6 one", () => {
  const s = site();
  const links = [{ lan: s.sites[0].lan[0]!, dev: "lan0" }, { lan: s.sites[0].lan[1]!, dev: "lan0" }];
  assert.equal(forwardAcceptCount(links, s.sites[1].lan), 4);
  const ipt = forwardAcceptHooks({ kind: "iptables" }, links, s.sites[1].lan);
  assert.deepEqual(ipt.postUp.map((l) => l.split(" || ")[1]), [
    "ip6tables -w -I FORWARD -i %i -o lan0 -d 2001:db8:10::/64 -m comment --comment wgsite:%i -j ACCEPT",
    "ip6tables -w -I FORWARD -i lan0 -o %i -s 2001:db8:10::/64 -d 2001:db8:11::/64 -m comment --comment wgsite:%i -j ACCEPT",
    "iptables -w -I FORWARD -i %i -o lan0 -d 10.10.10.0/24 -m comment --comment wgsite:%i -j ACCEPT",
    "iptables -w -I FORWARD -i lan0 -o %i -s 10.10.10.0/24 -d 10.10.11.0/24 -m comment --comment wgsite:%i -j ACCEPT",
  ]);
  const inet = forwardAcceptHooks({ kind: "nftables", table: "inet filter", chain: "forward" }, links, s.sites[1].lan);
  assert.match(inet.postUp[0]!, /oifname "%i" ip6 saddr 2001:db8:10::\/64 ip6 daddr 2001:db8:11::\/64 counter accept/);
  const ip = forwardAcceptHooks({ kind: "nftables", table: "ip filter", chain: "forward" }, links, s.sites[1].lan);
  assert.doesNotMatch(ip.postUp[0]!, /ip6/, "a table of family ip sees no IPv6");
  assert.equal(forwardAcceptCount(links, s.sites[1].lan, { kind: "nftables", table: "ip filter", chain: "forward" }), 2);
});

test("a FORWARD policy of DROP: the accepts cover the IPv6 LAN too, its interface found among the IPv6 addresses", () => {
  const facts: HostFacts = { ...alpha, connected: [fresh.connected[0]!], firewall: { ...fresh.firewall, backend: "iptables-nft", forwardPolicy: "DROP" } };
  const [fix] = fieldFixes(site(), 0, facts);
  assert.equal(fix!.id, "forward");
  assert.ok(fix!.hooks.postUp.some((l) => l.includes("ip6tables -w -I FORWARD -i lan0 -o %i -s 2001:db8:10::/64 -d 2001:db8:11::/64")));
});

test("verification pings over IPv6 from the gateway's address in its IPv6 LAN to the other's", () => {
  assert.deepEqual(ipv6VerifyTargets(site(), 0, 1, [alpha, beta]), { localLanAddress6: "2001:db8:10::1", remoteProbe6: "2001:db8:11::1" });
  assert.deepEqual(ipv6VerifyTargets(site(), 0, 1, [alpha, fresh]), { localLanAddress6: "2001:db8:10::1", remoteProbe6: "2001:db8:11::1" }, "the first host of the other's IPv6 LAN");
  assert.deepEqual(ipv6VerifyTargets(site(), 0, 1, [fresh, beta]), {});
  assert.deepEqual(plan({ site: site(), facts: [alpha, beta] }).gateways[0].verify.remoteProbe6, "2001:db8:11::1");
});
