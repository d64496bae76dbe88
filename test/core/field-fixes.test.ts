import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fieldFixes, fixHooks, fixSteps, type FieldFix } from "../../src/core/field-fixes.ts";
import type { HostFacts } from "../../src/core/host-facts.ts";
import { nextJournal } from "../../src/core/journal.ts";
import { loadSite } from "../../src/core/load-site.ts";
import { plan } from "../../src/core/plan.ts";
import { precheck } from "../../src/core/prechecks.ts";
import { removalSteps } from "../../src/core/removal.ts";
import { renderConfig } from "../../src/core/render-config.ts";
import type { Site } from "../../src/core/site.ts";
import { parseGather } from "../../src/facts/gather.ts";
import { forwardPaths } from "../../src/core/rules/forward.ts";
import { interSiteNat } from "../../src/core/rules/inter-site-nat.ts";
import { parseIptablesSave } from "../../src/core/rules/iptables-save.ts";
import { parseNftRuleset } from "../../src/core/rules/nft-ruleset.ts";

/** The lab's site file (test/e2e/run-wgsite.ts labSite), with `extra` appended. */
function site(extra = ""): Site {
  const yaml = [
    "tunnel:",
    "  network: 10.10.9.0/31",
    "  port: 51000",
    "sites:",
    "  alpha: { lan: [10.10.10.0/24], endpoint: 192.0.2.1, interface: wgA, ssh: alpha-gw }",
    "  beta: { lan: [10.10.11.0/24], endpoint: 192.0.2.2, interface: wgB, ssh: beta-gw }",
    extra,
  ].join("\n");
  const result = loadSite(yaml);
  if (!result.ok) throw new Error(JSON.stringify(result));
  return result.site;
}

/** A real capture from a lab variant (test/e2e/field.e2e.test.ts writes them). */
function captured(name: string): HostFacts {
  const dir = new URL(`../fixtures/facts/${name}/`, import.meta.url);
  const iface = readFileSync(new URL("iface", dir), "utf8").trim();
  const outcome = parseGather(readFileSync(new URL("output.txt", dir), "utf8"), { iface, port: 51000 });
  if (outcome.kind !== "facts") throw new Error(`${name}: ${outcome.kind}`);
  return outcome.facts;
}

const BLOCK_SSH = "firewall:\n  block: [{ proto: tcp, port: 22 }]";
const NO_RESTRICT = "firewall:\n  restrictPort: false";
const summary = (fixes: readonly FieldFix[]) => fixes.map((f) => ({ id: f.id, title: f.title, postUp: f.hooks.postUp, preDown: f.hooks.preDown }));

const ipt = (chain: string, spec: string) => {
  const [match, target] = spec.split(" -j ");
  const body = `${chain} ${match} -m comment --comment wgsite:%i -j ${target}`;
  return { up: `iptables -w -C ${body} 2>/dev/null || iptables -w -I ${body}`, down: `iptables -w -D ${body} 2>/dev/null || true` };
};
const docker = (spec: string) => {
  const [match, target] = spec.split(" -j ");
  const body = (chain: string) => `${chain} ${match} -m comment --comment wgsite:%i -j ${target}`;
  return {
    up: `iptables -w -C ${body("DOCKER-USER")} 2>/dev/null || iptables -w -I ${body("DOCKER-USER")} 2>/dev/null || iptables -w -C ${body("FORWARD")} 2>/dev/null || iptables -w -I ${body("FORWARD")}`,
    down: `iptables -w -D ${body("DOCKER-USER")} 2>/dev/null || true; iptables -w -D ${body("FORWARD")} 2>/dev/null || true`,
  };
};

test("Docker: accepts for exactly LAN <-> tunnel in DOCKER-USER, the block rules above them; strict rp_filter loosened on wgA", () => {
  const fixes = fieldFixes(site(BLOCK_SSH), 0, captured("field-docker-alpha"));
  const block = docker("-i %i -p tcp --dport 22 -j REJECT");
  const out = docker("-i eth1 -o %i -s 10.10.10.0/24 -d 10.10.11.0/24 -j ACCEPT");
  const back = docker("-i %i -o eth1 -d 10.10.10.0/24 -j ACCEPT");
  assert.deepEqual(summary(fixes), [
    {
      id: "forward",
      title: "FORWARD policy is DROP (Docker): adding 2 accept rules in DOCKER-USER",
      // Inserted bottom first, so the chain reads: block, out, back, Docker's RETURN.
      postUp: [back.up, out.up, block.up],
      preDown: [block.down, out.down, back.down],
    },
    {
      id: "rp-filter",
      title: "strict rp_filter (all=1, default=1): setting net.ipv4.conf.wgA.rp_filter=2 (loose)",
      postUp: ["sysctl -q -w net.ipv4.conf.%i.rp_filter=2"],
      preDown: [],
    },
  ]);
  assert.match(fixes[0]!.reason, /below the site file's 1 block rule/);
});

test("Docker's own MASQUERADE (-s 172.17.0.0/16 ! -o docker0) is no inter-site NAT", () => {
  assert.ok(!fieldFixes(site(), 0, captured("field-docker-alpha")).some((f) => f.id === "nat"));
});

test("a REJECT rule before any accept: accepts at the top of FORWARD, naming the rule", () => {
  const [fix, ...rest] = fieldFixes(site(), 1, captured("field-reject-beta"));
  const out = ipt("FORWARD", "-i eth1 -o %i -s 10.10.11.0/24 -d 10.10.10.0/24 -j ACCEPT");
  const back = ipt("FORWARD", "-i %i -o eth1 -d 10.10.11.0/24 -j ACCEPT");
  assert.deepEqual(rest, []);
  assert.deepEqual(summary([fix!]), [
    { id: "forward", title: "a FORWARD rule drops tunnel traffic: adding 2 accept rules at the top of FORWARD", postUp: [back.up, out.up], preDown: [out.down, back.down] },
  ]);
  assert.match(fix!.reason, /^dropped by: -A FORWARD -j REJECT --reject-with icmp-host-prohibited; it drops 10\.10\.11\.0\/24 \(eth1\) <-> wgB;/);
});

test("the site file's block rules end up above the accepts in FORWARD", () => {
  const facts = captured("field-reject-beta");
  const s = site(BLOCK_SSH);
  const rendered = renderConfig({ site: s, index: 1, peerPublicKey: "<alpha public key>", backend: facts.firewall.backend, extraHooks: fixHooks(fieldFixes(s, 1, facts)) });
  // Every line inserts at the top: the last FORWARD insert ends up first.
  const forwardInserts = rendered.hooks.postUp.filter((l) => l.includes(" -I FORWARD ")).map((l) => /-I FORWARD (.*) -m comment/.exec(l)![1]);
  assert.deepEqual(forwardInserts.reverse(), ["-i %i -p tcp --dport 22", "-i eth1 -o %i -s 10.10.11.0/24 -d 10.10.10.0/24", "-i %i -o eth1 -d 10.10.11.0/24"]);
});

test("ufw: route rules both ways, and the WireGuard port from the peer when restrictPort is off", () => {
  assert.deepEqual(summary(fieldFixes(site(NO_RESTRICT), 1, captured("field-ufw-beta"))), [
    {
      id: "forward",
      title: "ufw is active: adding 2 ufw route allow rules",
      postUp: [
        "ufw route allow in on eth1 out on %i from 10.10.11.0/24 to 10.10.10.0/24 comment wgsite:%i >/dev/null",
        "ufw route allow in on %i out on eth1 to 10.10.11.0/24 comment wgsite:%i >/dev/null",
      ],
      preDown: [
        "ufw route delete allow in on %i out on eth1 to 10.10.11.0/24 >/dev/null 2>&1 || true",
        "ufw route delete allow in on eth1 out on %i from 10.10.11.0/24 to 10.10.10.0/24 >/dev/null 2>&1 || true",
      ],
    },
    {
      id: "input-port",
      title: "ufw is active: allowing UDP 51000 from 192.0.2.1",
      postUp: ["ufw allow proto udp from 192.0.2.1 to any port 51000 comment wgsite:%i >/dev/null"],
      preDown: ["ufw delete allow proto udp from 192.0.2.1 to any port 51000 >/dev/null 2>&1 || true"],
    },
  ]);
  // restrictPort (the default) already accepts the peer at the top of INPUT.
  assert.deepEqual(fieldFixes(site(), 1, captured("field-ufw-beta")).map((f) => f.id), ["forward"]);
});

test("ufw: the operator's own rule for the port is left alone", () => {
  const facts = captured("field-ufw-beta");
  const own = { ...facts, firewallRaw: { ...facts.firewallRaw!, iptables: `${facts.firewallRaw!.iptables}-A ufw-user-input -p udp -m udp --dport 51000 -j ACCEPT\n` } };
  assert.deepEqual(fieldFixes(site(NO_RESTRICT), 1, own).map((f) => f.id), ["forward"]);
});

test("nftables forward policy drop: accepts inserted into that chain, cleared by handle (no `#`: wg-quick would cut the line)", () => {
  const fixes = fieldFixes(site(), 0, captured("field-nft-drop-alpha"));
  const clear = `{ nft -a list chain inet filter forward 2>/dev/null | awk '/comment "wgsite:%i"/ {print $NF}' | while read -r h; do nft delete rule inet filter forward handle "$h"; done; } || true`;
  assert.deepEqual(summary(fixes), [
    {
      id: "forward",
      title: "nftables chain inet filter forward has policy drop: adding 2 accept rules at its top",
      postUp: [
        `${clear}; nft 'insert rule inet filter forward iifname "%i" oifname "eth1" ip daddr 10.10.10.0/24 counter accept comment "wgsite:%i"'; nft 'insert rule inet filter forward iifname "eth1" oifname "%i" ip saddr 10.10.10.0/24 ip daddr 10.10.11.0/24 counter accept comment "wgsite:%i"'`,
      ],
      preDown: [clear],
    },
  ]);
  for (const line of [...fixes[0]!.hooks.postUp, ...fixes[0]!.hooks.preDown]) assert.ok(!line.includes("#"), line);
});

test("a catch-all MASQUERADE: an exemption at the top of POSTROUTING (iptables) or of the same nftables chain", () => {
  const iptNat = ipt("POSTROUTING", "-s 10.10.10.0/24 -d 10.10.11.0/24 -j RETURN");
  assert.deepEqual(summary(fieldFixes(site(), 0, captured("field-masquerade-alpha"))), [
    {
      id: "nat",
      title: "MASQUERADE would rewrite inter-site traffic: adding 1 NAT exemption at the top of POSTROUTING",
      postUp: [iptNat.up.replaceAll("iptables -w ", "iptables -w -t nat ")],
      preDown: [iptNat.down.replace("iptables -w ", "iptables -w -t nat ")],
    },
  ]);
  const clear = `{ nft -a list chain ip nat postrouting 2>/dev/null | awk '/comment "wgsite:%i"/ {print $NF}' | while read -r h; do nft delete rule ip nat postrouting handle "$h"; done; } || true`;
  assert.deepEqual(summary(fieldFixes(site(), 1, captured("field-nft-masquerade-beta"))), [
    {
      id: "nat",
      title: "MASQUERADE would rewrite inter-site traffic: adding 1 NAT exemption at the top of ip nat postrouting",
      postUp: [`${clear}; nft 'insert rule ip nat postrouting ip saddr 10.10.11.0/24 ip daddr 10.10.10.0/24 counter return comment "wgsite:%i"'`],
      preDown: [clear],
    },
  ]);
});

test("a MASQUERADE with an exclusion for the remote LAN needs no exemption", () => {
  const facts = captured("field-masquerade-alpha");
  const raw = facts.firewallRaw!.iptables.replace("-A POSTROUTING -s 10.10.10.0/24 -j MASQUERADE", "-A POSTROUTING -s 10.10.10.0/24 ! -d 10.10.11.0/24 -j MASQUERADE");
  assert.deepEqual(fieldFixes(site(), 0, { ...facts, firewallRaw: { ...facts.firewallRaw!, iptables: raw } }), []);
  const out = facts.firewallRaw!.iptables.replace("-A POSTROUTING -s 10.10.10.0/24 -j MASQUERADE", "-A POSTROUTING -s 10.10.10.0/24 -o eth0 -j MASQUERADE");
  assert.deepEqual(fieldFixes(site(), 0, { ...facts, firewallRaw: { ...facts.firewallRaw!, iptables: out } }), []);
});

test("an unrelated wg0 and a taken port need no fixes: they are prechecks", () => {
  assert.deepEqual(fieldFixes(site(), 0, captured("field-wg0-alpha")), []);
  assert.deepEqual(fieldFixes(site(), 1, captured("field-port-taken-beta")), []);
});

test("prechecks: the port of another program, wg0's port and net, a foreign config of the same name", () => {
  const facts = [captured("field-wg0-alpha"), captured("field-port-taken-beta")] as const;
  assert.deepEqual(precheck(site(), facts), [
    { path: "sites.beta", message: "UDP port 51000 is already in use on beta's gateway by another program (ss -ulpn 'sport = :51000' names it); set tunnel.port (or the endpoint's :port) to a free port such as 51001" },
    {
      path: "sites.beta.interface",
      message: "/etc/wireguard/wgB.conf exists on beta's gateway and wgsite did not write it (no /var/lib/wgsite/wgB.json); rerun with --adopt to take it over (a backup is kept beside it and restored by wgsite remove), or pick another interface name",
    },
  ]);
  const s = loadSiteText;
  assert.deepEqual(precheck(s("port: 51820"), facts, { adopt: true }).map((p) => p.message), [
    "UDP port 51820 is already the ListenPort of WireGuard interface wg0 on alpha's gateway; set tunnel.port (or the endpoint's :port) to a free port such as 51821",
  ]);
  assert.deepEqual(precheck(s("network: 10.99.0.4/31"), facts, { adopt: true }).map((p) => p.message), [
    "10.99.0.4/31 overlaps 10.99.0.1/24, the address of WireGuard interface wg0 on alpha's gateway; pick another transfer net",
    "UDP port 51000 is already in use on beta's gateway by another program (ss -ulpn 'sport = :51000' names it); set tunnel.port (or the endpoint's :port) to a free port such as 51001",
  ]);
  assert.deepEqual(precheck(s("port: 51001"), facts, { adopt: true }), []);
});

/** The lab site with one tunnel line changed. */
function loadSiteText(change: string): Site {
  const [key] = change.split(":");
  const base = site();
  const yaml = [
    "tunnel:",
    `  ${key === "network" ? change : `network: ${base.tunnel.network.text}`}`,
    `  ${key === "port" ? change : "port: 51000"}`,
    "sites:",
    "  alpha: { lan: [10.10.10.0/24], endpoint: 192.0.2.1, interface: wgA, ssh: alpha-gw }",
    "  beta: { lan: [10.10.11.0/24], endpoint: 192.0.2.2, interface: wgB, ssh: beta-gw }",
  ].join("\n");
  const result = loadSite(yaml);
  if (!result.ok) throw new Error(JSON.stringify(result));
  return result.site;
}

test("after apply, the same facts give the same fixes and the whole plan has nothing to do", () => {
  const cases: [string, string, string, string?][] = [
    ["field-docker-alpha", "field-reject-beta", BLOCK_SSH],
    ["field-nft-drop-alpha", "field-ufw-beta", NO_RESTRICT],
    ["field-masquerade-alpha", "field-nft-masquerade-beta", ""],
  ];
  for (const [alpha, beta, extra] of cases) {
    const s = site(extra);
    const before = [captured(alpha), captured(beta)] as const;
    const after = [captured(`${alpha}-applied`), captured(`${beta}-applied`)] as const;
    const decision = (fixes: readonly FieldFix[]) => fixes.map(({ inForce: _, ...rest }) => rest);
    for (const i of [0, 1] as const) {
      assert.deepEqual(decision(fieldFixes(s, i, after[i])), decision(fieldFixes(s, i, before[i])), `${[alpha, beta][i]}: own rules must not change the decision`);
      assert.ok(fieldFixes(s, i, after[i]).every((f) => f.inForce), `${[alpha, beta][i]}: in force after apply`);
      assert.ok(fieldFixes(s, i, before[i]).every((f) => !f.inForce || f.hooks.postUp[0]!.startsWith("ufw ")), `${[alpha, beta][i]}: not in force before`);
    }
    const p = plan({ site: s, facts: after, runId: "R2" });
    for (const g of p.gateways) assert.deepEqual(g.steps.filter((st) => !st.noop).map((st) => st.id), [], `${g.site} has work after apply`);
  }
});

test("the wg0 lab after apply with --adopt: nothing to do, no refusal", () => {
  const s = loadSiteText("port: 51001");
  const after = [captured("field-wg0-alpha-applied"), captured("field-port-taken-beta-applied")] as const;
  assert.deepEqual(precheck(s, after), []);
  for (const g of plan({ site: s, facts: after, runId: "R2" }).gateways) assert.deepEqual(g.steps.filter((st) => !st.noop).map((st) => st.id), [], g.site);
});

test("each fix is a step before the unit: applied now, undone by its PreDown, recorded in the journal for remove", () => {
  const s = site(BLOCK_SSH);
  const facts = captured("field-docker-alpha");
  const p = plan({ site: s, facts: [facts, captured("field-reject-beta")], runId: "R1" });
  const alpha = p.gateways[0];
  const ids = alpha.steps.map((st) => st.id);
  assert.deepEqual(ids.slice(ids.indexOf("forwarding")), ["forwarding", "fix-forward", "fix-rp-filter", "unit"]);
  const rp = alpha.steps.find((st) => st.id === "fix-rp-filter")!;
  assert.deepEqual(rp.ops, [{ op: "run", sh: "[ ! -d /proc/sys/net/ipv4/conf/wgA ] || sysctl -q -w net.ipv4.conf.wgA.rp_filter=2" }]);
  assert.deepEqual(rp.undo, [{ op: "run", sh: "true" }]);
  assert.match(alpha.files[0]!.content, /^PostUp = sysctl -q -w net\.ipv4\.conf\.%i\.rp_filter=2$/m);
  const forward = alpha.steps.find((st) => st.id === "fix-forward")!;
  const [fix] = fieldFixes(s, 0, facts);
  const forwardUndo = `${fix!.hooks.preDown.map((l) => `{ ${l.replaceAll("%i", "wgA")}; }`).join("; ")}; true`;
  assert.deepEqual(forward.ops, [{ op: "run", sh: fix!.hooks.postUp.map((l) => `{ ${l.replaceAll("%i", "wgA")}; }`).join(" && ") }]);
  assert.deepEqual(forward.undo, [{ op: "run", sh: forwardUndo }]);
  assert.ok(!JSON.stringify(forward.ops).includes("%i") && !forwardUndo.includes("%i"));

  const journal = nextJournal(s.sites[0], facts, alpha, "R1");
  assert.deepEqual(journal.fixes, [
    { id: "forward", title: forward.title, undo: forwardUndo },
    { id: "rp-filter", title: rp.title, undo: "true" },
  ]);
  const removal = removalSteps("wgA", { ...facts, journal }, false);
  const step = removal.steps.find((st) => st.id === "fixes")!;
  assert.deepEqual(step.ops, [{ op: "run", sh: forwardUndo, mayFail: true }, { op: "run", sh: "true", mayFail: true }]);
  assert.deepEqual(removal.steps.map((st) => st.id).slice(0, 2), ["unit", "fixes"]);
});

test("a fix in the running config and in effect is nothing to do; flushed rules are applied again", () => {
  const s = site();
  const applied = captured("field-masquerade-alpha-applied");
  const [step] = fixSteps(fieldFixes(s, 0, applied), "wgA", applied);
  assert.equal(step!.noop, "in wgA's running config (PostUp/PreDown) and in effect");
  // nftables.service restarted, `iptables -t nat -F`: the config is unchanged, the rule is gone.
  const flushed = { ...applied, firewallRaw: { ...applied.firewallRaw!, iptables: applied.firewallRaw!.iptables.split("\n").filter((l) => !l.includes("wgsite:wgA")).join("\n") } };
  const [again] = fixSteps(fieldFixes(s, 0, flushed), "wgA", flushed);
  assert.equal(again!.noop, undefined);
  assert.deepEqual(again!.ops, [{ op: "run", sh: `{ ${fieldFixes(s, 0, flushed)[0]!.hooks.postUp[0]!.replaceAll("%i", "wgA")}; }` }]);
  assert.equal(fixSteps(fieldFixes(s, 0, applied), "wgA", { ...applied, unit: { enabled: true, active: false } })[0]!.noop, undefined);
  // rp_filter: in effect when the interface has 2.
  const docker = captured("field-docker-alpha-applied");
  const rp = (iface: number) => fixSteps(fieldFixes(site(BLOCK_SSH), 0, { ...docker, rpFilter: { ...docker.rpFilter, iface } }), "wgA", docker).find((st) => st.id === "fix-rp-filter")!;
  assert.ok(rp(2).noop);
  assert.equal(rp(1).noop, undefined);
});

const fresh = JSON.parse(readFileSync(new URL("../fixtures/facts/fresh-debian.json", import.meta.url), "utf8")) as HostFacts;

test("rp_filter: a new interface starts from `default`, the kernel uses max(all, interface)", () => {
  const rp = (all: number, def: number) => fieldFixes(site(), 0, { ...fresh, rpFilter: { all, default: def, persisted: false } }).map((f) => f.title);
  assert.deepEqual(rp(0, 1), ["strict rp_filter (all=0, default=1): setting net.ipv4.conf.wgA.rp_filter=2 (loose)"]);
  assert.deepEqual(rp(1, 0), ["strict rp_filter (all=1, default=0): setting net.ipv4.conf.wgA.rp_filter=2 (loose)"]);
  assert.deepEqual(rp(1, 2), []);
  assert.deepEqual(rp(2, 2), []);
  assert.deepEqual(rp(0, 0), []);
});

test("without a raw capture (hand-written facts): FORWARD policy DROP and the parsed NAT rules still decide", () => {
  const facts: HostFacts = {
    ...fresh,
    firewall: {
      ...fresh.firewall,
      backend: "iptables-legacy",
      forwardPolicy: "DROP",
      natRules: [{ table: "nat", chain: "POSTROUTING", rule: "-A POSTROUTING -s 10.10.10.0/24 -j MASQUERADE", source: "10.10.10.0/24", target: "MASQUERADE" }],
    },
  };
  const out = ipt("FORWARD", "-i lan0 -o %i -s 10.10.10.0/24 -d 10.10.11.0/24 -j ACCEPT");
  const back = ipt("FORWARD", "-i %i -o lan0 -d 10.10.10.0/24 -j ACCEPT");
  const nat = ipt("POSTROUTING", "-s 10.10.10.0/24 -d 10.10.11.0/24 -j RETURN");
  assert.deepEqual(summary(fieldFixes(site(), 0, facts)), [
    { id: "forward", title: "FORWARD policy is DROP: adding 2 accept rules at the top of FORWARD", postUp: [back.up, out.up], preDown: [out.down, back.down] },
    {
      id: "nat",
      title: "MASQUERADE would rewrite inter-site traffic: adding 1 NAT exemption at the top of POSTROUTING",
      postUp: [nat.up.replaceAll("iptables -w ", "iptables -w -t nat ")],
      preDown: [nat.down.replace("iptables -w ", "iptables -w -t nat ")],
    },
  ]);
});

test("no LAN address on the gateway: the accepts match by addresses and the tunnel only", () => {
  const facts: HostFacts = { ...fresh, connected: [fresh.connected[0]!], firewall: { ...fresh.firewall, backend: "iptables-nft", forwardPolicy: "DROP" } };
  const [fix] = fieldFixes(site(), 0, facts);
  assert.deepEqual(fix!.hooks.postUp, [ipt("FORWARD", "-i %i -d 10.10.10.0/24 -j ACCEPT").up, ipt("FORWARD", "-o %i -s 10.10.10.0/24 -d 10.10.11.0/24 -j ACCEPT").up]);
});

test("firewalld: wgA joins the LAN interface's zone; the port as a rich rule in the public interface's zone", () => {
  const facts: HostFacts = {
    ...fresh,
    routes: [{ dst: "default", dev: "host0" }, ...fresh.routes],
    firewall: { ...fresh.firewall, backend: "nftables", firewalldActive: true },
  };
  const rich = `'rule family="ipv4" source address="192.0.2.2" port port="51000" protocol="udp" accept'`;
  const wan = `--zone="$(firewall-cmd --get-zone-of-interface=host0 2>/dev/null || firewall-cmd --get-default-zone)"`;
  const marker = "/var/lib/wgsite/%i.firewalld";
  assert.deepEqual(summary(fieldFixes(site(NO_RESTRICT), 0, facts)), [
    {
      id: "forward",
      title: "firewalld is active: adding wgA to lan0's zone",
      postUp: [
        [
          `z="$(firewall-cmd --get-zone-of-interface=lan0 2>/dev/null || firewall-cmd --get-default-zone)"`,
          // An interface that only falls into the default zone does not forward: bind it, and note that wgsite did.
          `firewall-cmd --get-zone-of-interface=lan0 >/dev/null 2>&1 || { firewall-cmd -q --zone="$z" --add-interface=lan0 && firewall-cmd -q --permanent --zone="$z" --add-interface=lan0 && mkdir -p /var/lib/wgsite && echo "lan lan0 $z" >> ${marker}; }`,
          `firewall-cmd -q --zone="$z" --query-forward || { firewall-cmd -q --zone="$z" --add-forward && firewall-cmd -q --permanent --zone="$z" --add-forward && mkdir -p /var/lib/wgsite && echo "forward $z" >> ${marker}; }`,
          `firewall-cmd --get-zone-of-interface=%i >/dev/null 2>&1 || firewall-cmd -q --zone="$z" --add-interface=%i`,
          `firewall-cmd -q --permanent --zone="$z" --query-interface=%i || firewall-cmd -q --permanent --zone="$z" --add-interface=%i`,
        ].join("; "),
      ],
      preDown: [
        [
          `z="$(firewall-cmd --get-zone-of-interface=%i 2>/dev/null)" || true`,
          `[ -z "$z" ] || { firewall-cmd -q --zone="$z" --remove-interface=%i; firewall-cmd -q --permanent --zone="$z" --remove-interface=%i; }`,
          `[ ! -e ${marker} ] || while read -r what a b; do case $what in lan) firewall-cmd -q --zone="$b" --remove-interface="$a"; firewall-cmd -q --permanent --zone="$b" --remove-interface="$a";; forward) firewall-cmd -q --zone="$a" --remove-forward; firewall-cmd -q --permanent --zone="$a" --remove-forward;; esac; done < ${marker}`,
          `rm -f ${marker}`,
        ].join("; "),
      ],
    },
    {
      id: "input-port",
      title: "firewalld is active: allowing UDP 51000 from 192.0.2.2",
      postUp: [`firewall-cmd -q ${wan} --query-rich-rule=${rich} || firewall-cmd -q ${wan} --add-rich-rule=${rich}; firewall-cmd -q --permanent ${wan} --query-rich-rule=${rich} || firewall-cmd -q --permanent ${wan} --add-rich-rule=${rich}`],
      preDown: [`firewall-cmd -q ${wan} --remove-rich-rule=${rich} 2>/dev/null || true; firewall-cmd -q --permanent ${wan} --remove-rich-rule=${rich} 2>/dev/null || true`],
    },
  ]);
});

test("firewalld in the lab: the same decision before and after apply, nothing to do after", () => {
  const before = captured("field-firewalld-alpha");
  const after = captured("field-firewalld-alpha-applied");
  assert.equal(before.firewall.firewalldActive, true);
  const ids = (f: HostFacts) => fieldFixes(site(NO_RESTRICT), 0, f).map((x) => [x.id, x.title]);
  assert.deepEqual(ids(before), [
    ["forward", "firewalld is active: adding wgA to eth1's zone"],
    ["input-port", "firewalld is active: allowing UDP 51000 from 192.0.2.2"],
  ]);
  assert.deepEqual(ids(after), ids(before));
  assert.ok(fixSteps(fieldFixes(site(NO_RESTRICT), 0, after), "wgA", after).every((st) => st.noop));
});

test("firewalld: the zones are read (its nftables table, through python3-nftables): wgA taken out of its zone by hand makes the fix due again", () => {
  const before = captured("field-firewalld-alpha");
  const after = captured("field-firewalld-alpha-applied");
  const inForce = (f: HostFacts) => fieldFixes(site(NO_RESTRICT), 0, f).find((x) => x.id === "forward")!.inForce;
  assert.match(after.firewallRaw!.nft, /# nft read through python3-nftables\ntable inet firewalld/);
  assert.equal(inForce(before), false, "before apply wgA is in no zone");
  assert.equal(inForce(after), true);
  // What `firewall-cmd --zone=public --remove-interface=wgA` leaves: no rule names wgA.
  const unzoned: HostFacts = { ...after, firewallRaw: { ...after.firewallRaw!, nft: after.firewallRaw!.nft.split("\n").filter((l) => !l.includes('"wgA"')).join("\n") } };
  assert.equal(inForce(unzoned), false);
  const steps = fixSteps(fieldFixes(site(NO_RESTRICT), 0, unzoned), "wgA", unzoned);
  assert.deepEqual(steps.filter((st) => !st.noop).map((st) => st.title), ["firewalld is active: adding wgA to eth1's zone"]);
});

test("hook lines never contain `#` (wg-quick strips from it) and every PostUp fix has a PreDown", () => {
  for (const [name, index, extra] of [["field-docker-alpha", 0, BLOCK_SSH], ["field-ufw-beta", 1, NO_RESTRICT], ["field-nft-masquerade-beta", 1, ""], ["field-firewalld-alpha", 0, NO_RESTRICT]] as const) {
    for (const fix of fieldFixes(site(extra), index, captured(name))) {
      for (const line of [...fix.hooks.postUp, ...fix.hooks.preDown]) assert.ok(!line.includes("#"), `${name}: ${line}`);
      if (fix.id !== "rp-filter") assert.equal(fix.hooks.preDown.length > 0, true, fix.id);
    }
  }
});

test("status's evaluator agrees: before apply it sees the drop or the NAT wgsite fixes, after apply neither", () => {
  const cases: [string, 0 | 1, "forward" | "nat"][] = [
    ["field-docker-alpha", 0, "forward"],
    ["field-reject-beta", 1, "forward"],
    ["field-ufw-beta", 1, "forward"],
    ["field-nft-drop-alpha", 0, "forward"],
    ["field-masquerade-alpha", 0, "nat"],
    ["field-nft-masquerade-beta", 1, "nat"],
  ];
  const s = site();
  for (const [name, index, kind] of cases) {
    const self = s.sites[index];
    const peer = s.sites[index === 0 ? 1 : 0];
    const judge = (facts: HostFacts) => {
      const iptables = parseIptablesSave(facts.firewallRaw!.iptables);
      const nft = parseNftRuleset(facts.firewallRaw!.nft);
      return {
        forward: forwardPaths({ iptables, nft, wgInterface: self.interface, lanInterface: "eth1", localLans: self.lan, remoteLans: peer.lan }).map((p) => p.verdict),
        nat: interSiteNat(iptables, nft, self.lan, peer.lan, self.interface) !== undefined,
      };
    };
    const before = judge(captured(name));
    const after = judge(captured(`${name}-applied`));
    assert.deepEqual(before, kind === "forward" ? { forward: ["drop", "drop"], nat: false } : { forward: ["accept", "accept"], nat: true }, name);
    assert.deepEqual(after, { forward: ["accept", "accept"], nat: false }, `${name}-applied`);
  }
});

test("every PreDown line survives wg-quick's `set -e -o pipefail` when each tool fails (else the interface stays up)", () => {
  const stubs = mkdtempSync(join(tmpdir(), "wgsite-stubs-"));
  for (const tool of ["iptables", "ip6tables", "nft", "ufw", "firewall-cmd", "sysctl"]) writeFileSync(join(stubs, tool), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
  const hooks: [string, string][] = [];
  const facts: HostFacts = { ...fresh, routes: [{ dst: "default", dev: "host0" }], firewall: { ...fresh.firewall, firewalldActive: true } };
  for (const [name, index, extra] of [["field-docker-alpha", 0, BLOCK_SSH], ["field-reject-beta", 1, BLOCK_SSH], ["field-ufw-beta", 1, NO_RESTRICT], ["field-nft-drop-alpha", 0, BLOCK_SSH], ["field-masquerade-alpha", 0, ""], ["field-nft-masquerade-beta", 1, ""]] as const) {
    const s = site(extra);
    const f = captured(name);
    const rendered = renderConfig({ site: s, index, peerPublicKey: "k", backend: f.firewall.backend, extraHooks: fixHooks(fieldFixes(s, index, f)) });
    for (const line of rendered.hooks.preDown) hooks.push([name, line]);
  }
  for (const fix of fieldFixes(site(NO_RESTRICT), 0, facts)) for (const line of fix.hooks.preDown) hooks.push(["firewalld", line]);
  try {
    for (const [name, line] of hooks) {
      const r = spawnSync("bash", ["-c", 'set -e -o pipefail; eval "$HOOK"'], { env: { PATH: `${stubs}:/usr/bin:/bin`, HOOK: line.replaceAll("%i", "wgA") }, encoding: "utf8" });
      assert.equal(r.status, 0, `${name}: ${line}\n${r.stderr}`);
    }
  } finally {
    rmSync(stubs, { recursive: true, force: true });
  }
  assert.ok(hooks.length >= 15);
});
