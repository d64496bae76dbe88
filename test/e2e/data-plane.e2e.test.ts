/**
 * The data plane on real paths: a hop between the gateways that silently drops packets over 1400
 * bytes (path MTU measured, tunnel MTU and MSS clamping set from it), and an internet with IPv6
 * beside IPv4 (restrictPort closes the WireGuard port to everyone but the peer on both families).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createLab, labSkipReason, type Lab, type Site } from "../lab/lab.ts";
import { INET6, LAN6, NARROW_MTU } from "../lab/path-variants.ts";

/** The IPv6 transfer net of the dual-stack case (RFC 6164 /127). */
const TRANSFER6 = "2001:db8:9::/127";
import { eventually, labSite, wgsite } from "./run-wgsite.ts";
import { tcpPeer } from "./lan-tcp.ts";

const skip = labSkipReason();

type Report = { ok: boolean; gateways: { site: string; changed: boolean; steps: { id: string; status: string }[]; checks: { id: string; ok: boolean; detail: string }[] }[] };

/** `wgsite status --once`: the checks that are not green, as `site id status: detail (hint)`. */
async function notGreen(lab: Lab, site: string): Promise<{ code: number; notGreen: string[]; ids: string[] }> {
  const r = await wgsite(lab, ["status", "-c", site, "--once", "--json"]);
  const doc = JSON.parse(r.stdout) as { gateways: { site: string; checks: { id: string; status: string; detail: string; hint?: string }[] }[] };
  return {
    code: r.code,
    notGreen: doc.gateways.flatMap((g) => g.checks.filter((c) => c.status !== "green").map((c) => `${g.site} ${c.id} ${c.status}: ${c.detail} (${c.hint ?? ""})`)),
    ids: doc.gateways.flatMap((g) => g.checks.map((c) => `${g.site} ${c.id} ${c.detail}`)),
  };
}

async function apply(lab: Lab, site: string): Promise<{ report: Report; stderr: string }> {
  const r = await wgsite(lab, ["--non-interactive", "-c", site, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return { report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

const BYTES = 2 * 1024 * 1024;

/**
 * Sends 2 MB over TCP from one LAN host to a listener on the other (a stall shows as a timeout)
 * and returns how many bytes arrived, or the client's error.
 */
async function bulk(lab: Lab, from: Site, to: Site, port: number): Promise<string> {
  const server = spawn("ip", ["netns", "exec", lab.lanHosts[to].ns, process.execPath, "-e",
    `let n = 0; const s = require("net").createServer((c) => { c.on("data", (d) => { n += d.length; }); c.on("end", () => { c.end(String(n)); s.close(); }); });
     s.listen(${port}, () => console.log("ready")); setTimeout(() => process.exit(0), 15000).unref();`], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const ready = new Promise<void>((resolve) => server.stdout!.on("data", (d: Buffer) => { out += d.toString(); if (out.includes("ready")) resolve(); }));
  await Promise.race([ready, new Promise((r) => setTimeout(r, 5000))]);
  const client = await lab.inNs(lab.lanHosts[from].ns, [process.execPath, "-e",
    `const c = require("net").connect(${port}, "${lab.lanHosts[to].ip}", () => c.end(Buffer.alloc(${BYTES}, 120)));
     let got = ""; c.on("data", (d) => { got += d; }); c.on("close", () => { console.log(got); process.exit(0); });
     c.on("error", (e) => { console.log(e.code); process.exit(1); }); setTimeout(() => { console.log("stalled"); process.exit(1); }, 5000);`], { timeoutMs: 10_000 });
  server.kill();
  return client.stdout.trim();
}

describe(`a hop between the gateways that silently drops packets over ${NARROW_MTU} bytes`, () => {
  let lab: Lab;
  let site: string;
  before(async () => {
    if (skip) return;
    lab = await createLab({ variant: "narrow-hop" });
    site = join(lab.dir, "site.yaml");
    writeFileSync(site, labSite(lab, "firewall:\n  restrictPort: false\n"));
  });
  after(async () => {
    await lab?.teardown();
  });

  test("apply measures the path, sets the tunnel MTU to 1340 (1400 - 60) and clamps MSS on both ends, and verifies a full-MTU packet", { skip }, async () => {
    const { report } = await apply(lab, site);
    assert.ok(report.ok);
    for (const g of report.gateways) {
      assert.deepEqual(g.checks.filter((c) => !c.ok), [], `${g.site} checks`);
      assert.deepEqual(g.checks.find((c) => c.id === "mtu-ping"), { id: "mtu-ping", ok: true, detail: "1340 bytes, don't fragment" });
    }
    for (const [side, iface] of [["alpha", "wgA"], ["beta", "wgB"]] as const) {
      const r = await lab.inGateway(side, `grep -E '^MTU' /etc/wireguard/${iface}.conf; cat /sys/class/net/${iface}/mtu; iptables-save -t mangle | grep -c TCPMSS`);
      assert.equal(r.stdout, "MTU = 1340\n1340\n1\n", side);
    }
  });

  test("the plan says what was measured and why it chose", { skip }, async () => {
    const r = await wgsite(lab, ["plan", "-c", site]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /path MTU measured alpha -> 192\.0\.2\.2: 1400, beta -> 192\.0\.2\.1: 1400; (keeps the running MTU 1340|MTU 1340 = 1400 - 60)/);
  });

  test("2 MB of TCP cross each way between the LAN hosts", { skip }, async () => {
    assert.equal(await bulk(lab, "alpha", "beta", 7101), String(BYTES), "alpha LAN -> beta LAN");
    assert.equal(await bulk(lab, "beta", "alpha", 7102), String(BYTES), "beta LAN -> alpha LAN");
  });

  test("a don't-fragment ping of the full tunnel MTU crosses LAN host to LAN host; one byte more is refused with an ICMP, not lost", { skip }, async () => {
    const full = await lab.inNs(lab.lanHosts.alpha.ns, ["ping", "-c2", "-W1", "-M", "do", "-s", String(1340 - 28), lab.lanHosts.beta.ip]);
    assert.equal(full.code, 0, full.stdout);
    const over = await lab.inNs(lab.lanHosts.alpha.ns, ["ping", "-c2", "-W1", "-M", "do", "-s", String(1341 - 28), lab.lanHosts.beta.ip]);
    assert.match(`${over.stdout}${over.stderr}`, /[Ff]rag needed and DF set \(mtu = 1340\)|mtu=1340/);
  });

  test("status is green, the path MTU through the tunnel equal to the interface's", { skip }, async () => {
    const s = await notGreen(lab, site);
    assert.deepEqual(s.notGreen, []);
    assert.ok(s.ids.includes("alpha mtu 1340 (= wgA mtu)"), s.ids.join("\n"));
    assert.equal(s.code, 0);
  });

  test("a rerun keeps the measured MTU: nothing changes", { skip }, async () => {
    const { report } = await apply(lab, site);
    assert.deepEqual(report.gateways.map((g) => g.changed), [false, false]);
    for (const g of report.gateways) assert.deepEqual(g.steps.filter((s) => s.status !== "unchanged").map((s) => s.id), [], g.site);
    assert.equal((await lab.inGateway("alpha", "grep -E '^MTU' /etc/wireguard/wgA.conf")).stdout, "MTU = 1340\n");
  });

  test("tunnel.mtu pinned above what the path carries: verification's full-MTU ping fails, apply rolls back to the working tunnel", { skip }, async () => {
    const pinned = join(lab.dir, "pinned.yaml");
    writeFileSync(pinned, labSite(lab, "firewall:\n  restrictPort: false\n").replace("  port: 51000\n", "  port: 51000\n  mtu: 1420\n"));
    const r = await wgsite(lab, ["--non-interactive", "-c", pinned, "--verify-timeout", "10"]);
    assert.notEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /mtu-ping: 1420 bytes do not cross: 10\.10\.10\.1 -> 10\.10\.11\.1: the path is narrower than wgA's MTU/);
    assert.equal((await lab.inGateway("alpha", "grep -E '^MTU' /etc/wireguard/wgA.conf; cat /sys/class/net/wgA/mtu")).stdout, "MTU = 1340\n1340\n");
    assert.equal(await bulk(lab, "alpha", "beta", 7103), String(BYTES), "the rolled-back tunnel carries bulk TCP again");
  });
});

describe("an internet with IPv6 beside IPv4: restrictPort closes the port on both families", () => {
  let lab: Lab;
  let site: string;
  before(async () => {
    if (skip) return;
    lab = await createLab({ variant: "dual-inet" });
    site = join(lab.dir, "site.yaml");
    writeFileSync(site, labSite(lab));
  });
  after(async () => {
    await lab?.teardown();
  });

  /** UDP datagrams the gateway's kernel delivered or found no socket for, both families (/proc/net/snmp, snmp6). */
  const received = async (side: Site) => {
    const r = await lab.inGateway(side, "awk '/^Udp: [0-9]/ {print $2 + $3}' /proc/net/snmp; awk '$1 == \"Udp6InDatagrams\" || $1 == \"Udp6NoPorts\" {s += $2} END {print s}' /proc/net/snmp6");
    const [v4, v6] = r.stdout.trim().split("\n").map(Number);
    return { v4: v4!, v6: v6! };
  };
  /** Twenty datagrams from the operator's namespace to `host`:`port`. */
  const send = async (host: string, port: number) => {
    const r = await lab.inNs(lab.operatorNs, [process.execPath, "-e",
      `const s = require("dgram").createSocket("${host.includes(":") ? "udp6" : "udp4"}"); let n = 0;
       const next = () => { if (n++ === 20) { s.close(); return; } s.send("not the peer", ${port}, "${host}", () => setTimeout(next, 10)); }; next();`], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
  };

  test("apply: the tunnel works with the port restricted", { skip }, async () => {
    const { report } = await apply(lab, site);
    assert.ok(report.ok);
    assert.ok(await eventually(async () => (await lab.inNs(lab.lanHosts.alpha.ns, ["ping", "-c1", "-W1", lab.lanHosts.beta.ip])).code === 0, 5000));
    const rules = await lab.inGateway("alpha", "ip6tables -S INPUT | grep -c 'dport 51000 .*DROP'; iptables -S INPUT | grep -c 'dport 51000'");
    assert.equal(rules.stdout, "1\n2\n", "alpha (iptables): the peer accepted on IPv4, the port dropped on both families");
    const nft = await lab.inGateway("beta", "nft list table inet wgsite_wgB | grep 'dport 51000'");
    assert.deepEqual(nft.stdout.trim().split("\n").map((l) => l.trim()), ["udp dport 51000 ip saddr != 192.0.2.1 drop", "meta nfproto ipv6 udp dport 51000 drop"]);
  });

  for (const side of ["alpha", "beta"] as const) {
    test(`from the operator's namespace, nothing reaches ${side}'s UDP 51000 on IPv4 or IPv6; another port does`, { skip }, async () => {
      const v4 = lab.gateways[side].publicIp;
      const v6 = INET6[side];
      const before = await received(side);
      await send(v4, 51000);
      await send(v6, 51000);
      const blocked = await received(side);
      assert.deepEqual({ v4: blocked.v4 - before.v4, v6: blocked.v6 - before.v6 }, { v4: 0, v6: 0 }, "the port is closed to a source that is not the peer");
      // The same datagrams to a port wgsite does not restrict arrive (and find no socket): the method sees them
      // (the first few may wait out neighbour discovery).
      await send(v4, 51999);
      await send(v6, 51999);
      const open = await received(side);
      assert.deepEqual({ v4: open.v4 - blocked.v4 >= 10, v6: open.v6 - blocked.v6 >= 10 }, { v4: true, v6: true });
    });
  }

  test("the peer still reaches the port: a fresh handshake after a restart", { skip }, async () => {
    await lab.inGateway("alpha", "systemctl restart wg-quick@wgA");
    assert.ok(await eventually(async () => (await lab.inNs(lab.lanHosts.alpha.ns, ["ping", "-c1", "-W1", lab.lanHosts.beta.ip])).code === 0, 10_000));
  });
});

describe("dual-stack LANs: IPv6 beside IPv4 behind both gateways, an IPv6 transfer net beside the IPv4 one", () => {
  let lab: Lab;
  let site: string;
  const lan6 = (yaml: string) => yaml.replace("lan: [10.10.10.0/24]", `lan: [10.10.10.0/24, '${LAN6.alpha.cidr}']`).replace("lan: [10.10.11.0/24]", `lan: [10.10.11.0/24, '${LAN6.beta.cidr}']`).replace("  port: 51000\n", `  port: 51000\n  network6: '${TRANSFER6}'\n`);
  const ping6 = (from: Site, to: Site) => async () => (await lab.inNs(lab.lanHosts[from].ns, ["ping", "-6", "-c1", "-W1", LAN6[to].host])).code === 0;
  before(async () => {
    if (skip) return;
    lab = await createLab({ variant: "dual-lan" });
    site = join(lab.dir, "site.yaml");
    writeFileSync(site, lan6(labSite(lab)));
  });
  after(async () => {
    await lab?.teardown();
  });

  test("apply turns IPv6 forwarding on and persists it beside IPv4's, and verifies an IPv6 ping LAN to LAN", { skip }, async () => {
    assert.equal(await ping6("alpha", "beta")(), false, "no IPv6 path before the tunnel");
    const { report } = await apply(lab, site);
    assert.ok(report.ok);
    for (const g of report.gateways) {
      assert.deepEqual(g.checks.filter((c) => !c.ok), [], `${g.site} checks`);
      assert.equal(g.checks.find((c) => c.id === "lan-ping6")?.ok, true, `${g.site} pinged the other LAN over IPv6`);
      assert.equal(g.checks.find((c) => c.id === "tunnel-ping6")?.ok, true, `${g.site} pinged the other's IPv6 transfer address`);
    }
    assert.match((await lab.inGateway("alpha", "ip -6 -o addr show dev wgA scope global")).stdout, /inet6 2001:db8:9::\/127 /);
    const r = await lab.inGateway("alpha", "cat /etc/sysctl.d/99-wgsite-wgA.conf; sysctl -n net.ipv6.conf.all.forwarding");
    assert.equal(r.stdout, "# managed by wgsite: routed site-to-site traffic through wgA\nnet.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 1\n1\n");
  });

  test("LAN hosts reach each other over IPv6 both ways: ping and TCP with their real addresses", { skip }, async () => {
    assert.ok(await eventually(ping6("alpha", "beta"), 5000), "alpha LAN -> beta LAN (IPv6)");
    assert.ok(await eventually(ping6("beta", "alpha"), 5000), "beta LAN -> alpha LAN (IPv6)");
    assert.equal(await tcpPeer(lab, "alpha", "beta", 7201, LAN6.beta.host), LAN6.alpha.host);
    assert.equal(await tcpPeer(lab, "beta", "alpha", 7202, LAN6.alpha.host), LAN6.beta.host);
  });

  test("a rerun changes nothing", { skip }, async () => {
    const { report } = await apply(lab, site);
    assert.deepEqual(report.gateways.map((g) => g.changed), [false, false]);
  });

  test("status is green, with IPv6 forwarding and the IPv6 LAN ping checked", { skip }, async () => {
    const s = await notGreen(lab, site);
    assert.deepEqual(s.notGreen, []);
    for (const side of ["alpha", "beta"]) {
      assert.ok(s.ids.includes(`${side} ip6-forward 1, persisted`), s.ids.join("\n"));
      assert.ok(s.ids.some((l) => l.startsWith(`${side} lan-ping6 `)), s.ids.join("\n"));
      assert.ok(s.ids.some((l) => l.startsWith(`${side} tunnel-ping6 2001:db8:9::`)), s.ids.join("\n"));
    }
    assert.equal(s.code, 0);
  });

  test("remove restores forwarding as it was: off on both families", { skip }, async () => {
    const r = await wgsite(lab, ["remove", "-c", site]);
    assert.equal(r.code, 0, r.stderr);
    for (const side of ["alpha", "beta"] as const) {
      assert.equal((await lab.inGateway(side, "sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding; ls /etc/sysctl.d | grep -c wgsite")).stdout, "0\n0\n0\n", side);
    }
  });
});

