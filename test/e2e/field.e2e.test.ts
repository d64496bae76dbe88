/**
 * Real gateways are not fresh installs: each lab variant (test/lab/variants.ts) sets up what the
 * field has (Docker's chains, ufw, nftables with policy drop, a catch-all MASQUERADE, an unrelated
 * WireGuard, a port already taken, firewalld), and wgsite must get LAN hosts talking with their real addresses,
 * change nothing on a rerun, and leave the operator's setup exactly as it was after `remove`.
 *
 * UPDATE_FIXTURES=1 also captures each gateway's facts round trip, before and after apply, into
 * test/fixtures/facts/field-*\/ (then run test/facts/gather.test.ts with UPDATE_FIXTURES=1).
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gatherScript } from "../../src/facts/gather.ts";
import { createLab, labSkipReason, type Lab, type Site } from "../lab/lab.ts";
import "../lab/variants.ts";
import { eventually, labSite, wgsite } from "./run-wgsite.ts";
import { tcpPeer } from "./lan-tcp.ts";

const skip = labSkipReason();
const IFACE = { alpha: "wgA", beta: "wgB" } as const;
const SITES: Site[] = ["alpha", "beta"];

type Report = { ok: boolean; error?: string; gateways: { site: string; changed: boolean; steps: { id: string; title: string; status: string }[]; checks: { id: string; ok: boolean }[] }[] };

/** iptables leaves a table it created behind, empty: not an operator rule, so not compared. */
function withoutEmptyTables(save: string): string {
  return save.replace(/^\*\w+\n(?::\S+ ACCEPT \n)+COMMIT\n/gm, "");
}

/** What the operator has on a gateway, without counters, timestamps or empty tables. */
async function operatorState(lab: Lab, site: Site): Promise<string> {
  const r = await lab.inGateway(
    site,
    [
      "command -v iptables-save >/dev/null && iptables-save | grep -v '^#' | sed -E 's/\\[[0-9]+:[0-9]+\\]//'",
      "command -v nft >/dev/null && nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'",
      "[ -d /etc/ufw ] && sha256sum /etc/ufw/user.rules /etc/ufw/user6.rules && ufw status verbose",
      "sha256sum /etc/wireguard/* 2>/dev/null",
      "sysctl net.ipv4.conf.all.rp_filter net.ipv4.conf.default.rp_filter",
      "wg show interfaces 2>/dev/null",
      "command -v firewall-cmd >/dev/null && firewall-cmd --get-active-zones && firewall-cmd --list-all-zones && firewall-cmd --permanent --list-all-zones",
      "true",
    ].join("; "),
  );
  return withoutEmptyTables(r.stdout);
}

/** The facts round trip as wgsite runs it, for fixtures. */
async function captureFacts(lab: Lab, site: Site, name: string, iface: string = IFACE[site]): Promise<void> {
  if (!process.env.UPDATE_FIXTURES) return;
  const beta = site === "beta";
  const r = await lab.ssh(site, gatherScript({ iface, port: 51000, peerHosts: [lab.gateways[beta ? "alpha" : "beta"].publicIp] }, beta), beta ? { input: `${lab.gateways.beta.sudoPassword}\n` } : {});
  const dir = new URL(`../fixtures/facts/${name}/`, import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL("output.txt", dir), r.stdout.replace(/^@@ssh-client .*$/m, "@@ssh-client 192.0.2.100"));
  writeFileSync(new URL("iface", dir), `${iface}\n`);
}

const pingable = (lab: Lab, from: Site, to: Site) => async () => (await lab.inNs(lab.lanHosts[from].ns, ["ping", "-c1", "-W1", lab.lanHosts[to].ip])).code === 0;

async function apply(lab: Lab, site: string, extra: string[] = []): Promise<Report> {
  const r = await wgsite(lab, ["--non-interactive", "-c", site, "--json", ...extra]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.ok(report.ok, report.error);
  for (const g of report.gateways) assert.deepEqual(g.checks.filter((c) => !c.ok), [], `${g.site} checks`);
  return report;
}

const changedFixes = (report: Report, site: string) => report.gateways.find((g) => g.site === site)!.steps.filter((s) => s.id.startsWith("fix-") && s.status === "changed").map((s) => s.title);

/** The shared second half of every variant: traffic both ways with real addresses, a no-op rerun, an exact remove. */
function trafficRerunRemove(ctx: { lab?: Lab; site?: string; before?: Record<Site, string> }, port: number, fixtures?: Partial<Record<Site, string>>): void {
  test("LAN hosts ping each other both ways", { skip }, async () => {
    const lab = ctx.lab!;
    assert.ok(await eventually(pingable(lab, "alpha", "beta"), 5000), "alpha LAN -> beta LAN");
    assert.ok(await eventually(pingable(lab, "beta", "alpha"), 5000), "beta LAN -> alpha LAN");
  });

  test("a TCP connection shows the client's real LAN address on the server side", { skip }, async () => {
    const lab = ctx.lab!;
    assert.equal(await tcpPeer(lab, "alpha", "beta", port), lab.lanHosts.alpha.ip);
    assert.equal(await tcpPeer(lab, "beta", "alpha", port), lab.lanHosts.beta.ip);
  });

  test("wgsite status judges the gateways as apply left them: nothing red or yellow, exit 0", { skip }, async () => {
    const r = await wgsite(ctx.lab!, ["status", "-c", ctx.site!, "--once", "--json"]);
    const doc = JSON.parse(r.stdout) as { gateways: { site: string; checks: { id: string; status: string; detail: string; hint?: string }[] }[] };
    const notGreen = doc.gateways.flatMap((g) => g.checks.filter((c) => c.status !== "green").map((c) => `${g.site} ${c.id} ${c.status}: ${c.detail} (${c.hint ?? ""})`));
    assert.deepEqual(notGreen, []);
    assert.equal(r.code, 0, r.stderr);
  });

  test("a rerun changes nothing", { skip }, async () => {
    const lab = ctx.lab!;
    for (const site of SITES) if (fixtures?.[site]) await captureFacts(lab, site, `${fixtures[site]}-applied`);
    const report = await apply(lab, ctx.site!);
    assert.deepEqual(report.gateways.map((g) => g.changed), [false, false]);
    for (const g of report.gateways) assert.deepEqual(g.steps.filter((s) => s.status !== "unchanged").map((s) => s.id), [], g.site);
  });

  test("remove leaves the operator's rules, policies, NAT and interfaces exactly as they were", { skip }, async () => {
    const lab = ctx.lab!;
    const r = await wgsite(lab, ["remove", "-c", ctx.site!]);
    assert.equal(r.code, 0, r.stderr);
    // wireguard-go removes its socket a moment after the link goes.
    for (const site of SITES) await eventually(async () => (await operatorState(lab, site)) === ctx.before![site], 3000);
    for (const site of SITES) assert.equal(await operatorState(lab, site), ctx.before![site], `${site} after remove`);
  });
}

function variantSuite(variant: string, title: string, siteExtra: string, port: number, body: (ctx: { lab?: Lab; site?: string; before?: Record<Site, string> }) => void, fixtures?: Partial<Record<Site, string>>) {
  describe(title, () => {
    const ctx: { lab?: Lab; site?: string; before?: Record<Site, string> } = {};
    before(async () => {
      if (skip) return;
      const t0 = Date.now();
      ctx.lab = await createLab({ variant });
      ctx.site = join(ctx.lab.dir, "site.yaml");
      writeFileSync(ctx.site, labSite(ctx.lab, siteExtra));
      ctx.before = { alpha: await operatorState(ctx.lab, "alpha"), beta: await operatorState(ctx.lab, "beta") };
      for (const site of SITES) if (fixtures?.[site]) await captureFacts(ctx.lab, site, fixtures[site]!);
      process.stderr.write(`# ${variant}: lab up in ${Date.now() - t0} ms\n`);
    });
    after(async () => {
      await ctx.lab?.teardown();
    });
    body(ctx);
  });
}

variantSuite(
  "field-docker",
  "Docker's FORWARD DROP and DOCKER-USER on alpha, a REJECT rule on beta, strict rp_filter",
  "firewall:\n  block: [{ proto: tcp, port: 22 }]\n",
  7001,
  (ctx) => {
    test("no path between the LANs before apply", { skip }, async () => {
      assert.equal(await pingable(ctx.lab!, "alpha", "beta")(), false);
    });

    test("apply accepts LAN <-> tunnel in DOCKER-USER and at the top of FORWARD, loosens rp_filter", { skip }, async () => {
      const lab = ctx.lab!;
      const report = await apply(lab, ctx.site!);
      assert.deepEqual(changedFixes(report, "alpha"), [
        "FORWARD policy is DROP (Docker): adding 2 accept rules in DOCKER-USER",
        "strict rp_filter (all=1, default=1): setting net.ipv4.conf.wgA.rp_filter=2 (loose)",
      ]);
      assert.deepEqual(changedFixes(report, "beta"), ["a FORWARD rule drops tunnel traffic: adding 2 accept rules at the top of FORWARD"]);
      const alpha = (await lab.inGateway("alpha", "iptables -S DOCKER-USER; iptables -S FORWARD | head -2; sysctl -n net.ipv4.conf.wgA.rp_filter")).stdout;
      assert.deepEqual(alpha.trim().split("\n"), [
        "-N DOCKER-USER",
        '-A DOCKER-USER -i wgA -p tcp -m tcp --dport 22 -m comment --comment "wgsite:wgA" -j REJECT --reject-with icmp-port-unreachable',
        '-A DOCKER-USER -s 10.10.10.0/24 -d 10.10.11.0/24 -i eth1 -o wgA -m comment --comment "wgsite:wgA" -j ACCEPT',
        '-A DOCKER-USER -d 10.10.10.0/24 -i wgA -o eth1 -m comment --comment "wgsite:wgA" -j ACCEPT',
        "-A DOCKER-USER -j RETURN",
        "-P FORWARD DROP",
        '-A FORWARD -i wgA -p tcp -m tcp --dport 22 -m comment --comment "wgsite:wgA" -j REJECT --reject-with icmp-port-unreachable',
        "2",
      ]);
      const beta = (await lab.inGateway("beta", "iptables -S FORWARD")).stdout;
      assert.deepEqual(beta.trim().split("\n"), [
        "-P FORWARD ACCEPT",
        '-A FORWARD -i wgB -p tcp -m tcp --dport 22 -m comment --comment "wgsite:wgB" -j REJECT --reject-with icmp-port-unreachable',
        '-A FORWARD -s 10.10.11.0/24 -d 10.10.10.0/24 -i eth1 -o wgB -m comment --comment "wgsite:wgB" -j ACCEPT',
        '-A FORWARD -d 10.10.11.0/24 -i wgB -o eth1 -m comment --comment "wgsite:wgB" -j ACCEPT',
        "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        "-A FORWARD -j REJECT --reject-with icmp-host-prohibited",
      ]);
    });

    test("the site file's block rules still win over the accepts", { skip }, async () => {
      assert.equal(await tcpPeer(ctx.lab!, "beta", "alpha", 22), "ECONNREFUSED");
      assert.equal(await tcpPeer(ctx.lab!, "alpha", "beta", 22), "ECONNREFUSED");
    });

    trafficRerunRemove(ctx, 7001, { alpha: "field-docker-alpha", beta: "field-reject-beta" });
  },
  { alpha: "field-docker-alpha", beta: "field-reject-beta" },
);

variantSuite(
  "field-ufw",
  "ufw with its default policies on beta, nftables with forward policy drop on alpha",
  "firewall:\n  restrictPort: false\n",
  7002,
  (ctx) => {
    test("apply adds ufw route rules and the port on beta, accepts in alpha's nftables chain", { skip }, async () => {
      const lab = ctx.lab!;
      const report = await apply(lab, ctx.site!);
      assert.deepEqual(changedFixes(report, "alpha"), ["nftables chain inet filter forward has policy drop: adding 2 accept rules at its top"]);
      assert.deepEqual(changedFixes(report, "beta"), ["ufw is active: adding 2 ufw route allow rules", "ufw is active: allowing UDP 51000 from 192.0.2.1"]);
      const ufw = (await lab.inGateway("beta", "ufw status | grep wgsite")).stdout;
      assert.deepEqual(ufw.trim().split("\n").map((l) => l.replace(/\s+/g, " ")), [
        "51000/udp ALLOW 192.0.2.1 # wgsite:wgB",
        "10.10.10.0/24 on wgB ALLOW FWD 10.10.11.0/24 on eth1 # wgsite:wgB",
        "10.10.11.0/24 on eth1 ALLOW FWD Anywhere on wgB # wgsite:wgB",
      ]);
      const nft = (await lab.inGateway("alpha", "nft list chain inet filter forward | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'")).stdout;
      assert.match(nft, /policy drop;\n\t\tiifname "eth1" oifname "wgA" ip saddr 10\.10\.10\.0\/24 ip daddr 10\.10\.11\.0\/24 counter accept comment "wgsite:wgA"\n\t\tiifname "wgA" oifname "eth1" ip daddr 10\.10\.10\.0\/24 counter accept comment "wgsite:wgA"\n\t\tct state established,related accept\n/);
    });

    trafficRerunRemove(ctx, 7002, { alpha: "field-nft-drop-alpha", beta: "field-ufw-beta" });
  },
  { alpha: "field-nft-drop-alpha", beta: "field-ufw-beta" },
);

variantSuite(
  "field-masquerade",
  "a catch-all MASQUERADE of the LAN: iptables on alpha, nftables on beta",
  "",
  7003,
  (ctx) => {
    test("apply exempts inter-site traffic ahead of the MASQUERADE rules", { skip }, async () => {
      const lab = ctx.lab!;
      const report = await apply(lab, ctx.site!);
      assert.deepEqual(changedFixes(report, "alpha"), ["MASQUERADE would rewrite inter-site traffic: adding 1 NAT exemption at the top of POSTROUTING"]);
      assert.deepEqual(changedFixes(report, "beta"), ["MASQUERADE would rewrite inter-site traffic: adding 1 NAT exemption at the top of ip nat postrouting"]);
      assert.deepEqual((await lab.inGateway("alpha", "iptables -t nat -S POSTROUTING")).stdout.trim().split("\n"), [
        "-P POSTROUTING ACCEPT",
        '-A POSTROUTING -s 10.10.10.0/24 -d 10.10.11.0/24 -m comment --comment "wgsite:wgA" -j RETURN',
        "-A POSTROUTING -s 10.10.10.0/24 -j MASQUERADE",
      ]);
      assert.match((await lab.inGateway("beta", "nft list chain ip nat postrouting")).stdout, /srcnat; policy accept;\n\t\tip saddr 10\.10\.11\.0\/24 ip daddr 10\.10\.10\.0\/24 counter packets \d+ bytes \d+ return comment "wgsite:wgB"\n\t\tip saddr 10\.10\.11\.0\/24 masquerade\n/);
    });

    trafficRerunRemove(ctx, 7003, { alpha: "field-masquerade-alpha", beta: "field-nft-masquerade-beta" });
  },
  { alpha: "field-masquerade-alpha", beta: "field-nft-masquerade-beta" },
);

variantSuite(
  "field-wireguard",
  "an unrelated wg0 on alpha; UDP 51000 taken and a foreign wgB.conf on beta",
  "",
  7004,
  (ctx) => {
    const wg0 = async () => (await ctx.lab!.inGateway("alpha", "sha256sum /etc/wireguard/wg0.conf; wg show wg0 dump | head -n1 | cut -f2-; systemctl is-active wg-quick@wg0")).stdout;
    let wg0Before = "";
    const refused = async (yaml: string, ...patterns: RegExp[]) => {
      const lab = ctx.lab!;
      writeFileSync(join(lab.dir, "clash.yaml"), yaml);
      const before = { alpha: await operatorState(lab, "alpha"), beta: await operatorState(lab, "beta") };
      const r = await wgsite(lab, ["--non-interactive", "-c", join(lab.dir, "clash.yaml")]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /refusing to change anything/);
      for (const p of patterns) assert.match(r.stderr, p);
      assert.deepEqual({ alpha: await operatorState(lab, "alpha"), beta: await operatorState(lab, "beta") }, before, "nothing changed");
      assert.equal((await lab.inGateway("alpha", "ls /var/lib/wgsite 2>/dev/null | wc -l")).stdout.trim(), "0");
    };

    test("the port held by another program: exit 2 before any change, naming a free port", { skip }, async () => {
      wg0Before = await wg0();
      await refused(labSite(ctx.lab!), /sites\.beta: UDP port 51000 is already in use on beta's gateway by another program .* such as 51001/, /wgB\.conf exists on beta's gateway and wgsite did not write it .*--adopt/);
    });

    test("wg0's ListenPort or transfer net: exit 2 naming wg0", { skip }, async () => {
      const lab = ctx.lab!;
      await refused(labSite(lab).replace("port: 51000", "port: 51820"), /UDP port 51820 is already the ListenPort of WireGuard interface wg0 on alpha's gateway; .* such as 51821/);
      await refused(labSite(lab).replace("network: 10.10.9.0/31", "network: 10.99.0.4/31"), /10\.99\.0\.4\/31 overlaps 10\.99\.0\.1\/24, the address of WireGuard interface wg0 on alpha's gateway/);
    });

    test("a free port and --adopt: the tunnel comes up, wg0 untouched, the foreign config kept as a backup", { skip }, async () => {
      const lab = ctx.lab!;
      writeFileSync(ctx.site!, labSite(lab).replace("port: 51000", "port: 51001"));
      const report = await apply(lab, ctx.site!, ["--adopt"]);
      assert.deepEqual(report.gateways.map((g) => g.changed), [true, true]);
      assert.equal(await wg0(), wg0Before);
      assert.match((await lab.inGateway("beta", "ls /etc/wireguard")).stdout, /^wgB\.conf\.wgsite-backup-/m);
    });

    trafficRerunRemove(ctx, 7004, { alpha: "field-wg0-alpha", beta: "field-port-taken-beta" });

    test("after remove, wg0 still runs as before and the foreign wgB.conf is back byte for byte", { skip }, async () => {
      assert.equal(await wg0(), wg0Before);
      assert.equal((await ctx.lab!.inGateway("beta", "ls /etc/wireguard")).stdout, "wgB.conf\n");
    });
  },
  { alpha: "field-wg0-alpha", beta: "field-port-taken-beta" },
);

variantSuite(
  "field-firewalld",
  "firewalld with its defaults on alpha: eth1 only falls into the default zone",
  "firewall:\n  restrictPort: false\n",
  7005,
  (ctx) => {
    const zones = async () =>
      (await ctx.lab!.inGateway("alpha", "firewall-cmd --get-active-zones; firewall-cmd --permanent --zone=public --list-interfaces; firewall-cmd --zone=public --list-rich-rules; firewall-cmd --permanent --zone=public --list-rich-rules")).stdout;
    const rich = 'rule family="ipv4" source address="192.0.2.2" port port="51000" protocol="udp" accept';

    test("apply binds wgA and eth1 to the public zone and lets beta's UDP 51000 in, at runtime and permanently", { skip }, async () => {
      const report = await apply(ctx.lab!, ctx.site!);
      assert.deepEqual(changedFixes(report, "alpha"), ["firewalld is active: adding wgA to eth1's zone", "firewalld is active: allowing UDP 51000 from 192.0.2.2"]);
      assert.equal(await zones(), `public\n  interfaces: eth1 wgA\neth1 wgA\n${rich}\n${rich}\n`);
    });

    test("firewall-cmd --reload keeps forwarding both ways", { skip }, async () => {
      const lab = ctx.lab!;
      assert.equal((await lab.inGateway("alpha", "firewall-cmd --reload")).stdout.trim(), "success");
      assert.equal(await zones(), `public\n  interfaces: eth1 wgA\neth1 wgA\n${rich}\n${rich}\n`);
    });

    test("wgA taken out of its zone by hand: status names firewalld and the firewall-cmd; a rerun of apply binds it again", { skip }, async () => {
      const lab = ctx.lab!;
      // Debian's firewalld has no nft command: the zones are read through python3-nftables.
      assert.equal((await lab.inGateway("alpha", "command -v nft || echo none")).stdout.trim(), "none");
      await lab.inGateway("alpha", "firewall-cmd -q --zone=public --remove-interface=wgA");
      assert.equal(await pingable(lab, "alpha", "beta")(), false, "alpha's LAN is cut off from beta's");
      const r = await wgsite(lab, ["status", "-c", ctx.site!, "--once", "--json"]);
      const doc = JSON.parse(r.stdout) as { gateways: { site: string; checks: { id: string; status: string; detail: string; hint?: string }[] }[] };
      const forward = doc.gateways.find((g) => g.site === "alpha")!.checks.find((c) => c.id === "forward")!;
      assert.equal(forward.status, "red");
      assert.equal(forward.detail, "firewalld drops eth1 -> wgA");
      assert.match(forward.hint ?? "", /or now: firewall-cmd --zone="\$\(firewall-cmd --get-zone-of-interface=eth1\)" --add-interface=wgA$/);
      assert.notEqual(r.code, 0);
      const report = await apply(lab, ctx.site!);
      assert.deepEqual(changedFixes(report, "alpha"), ["firewalld is active: adding wgA to eth1's zone"]);
      assert.ok(await eventually(pingable(lab, "alpha", "beta"), 5000), "alpha LAN -> beta LAN again");
    });

    trafficRerunRemove(ctx, 7005, { alpha: "field-firewalld-alpha" });
  },
  { alpha: "field-firewalld-alpha" },
);
