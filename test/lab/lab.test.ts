/**
 * The lab itself: two bare Debian gateways reachable over OpenSSH from the operator namespace,
 * offline apt, no kernel WireGuard, LANs not yet joined, reboots, clean teardown.
 *
 *   npx bun test test/lab/lab.test.ts      (root; skips with a visible reason otherwise)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createLab, labSkipReason, registerVariant, type Lab } from "./lab.ts";

const MIN = 60_000;
const reason = labSkipReason();

if (reason) {
  console.warn(`[lab] skipping lab tests: ${reason}`);
  test(`lab tests (skipped: ${reason})`, { skip: reason }, () => {});
} else {
  let lab: Lab | undefined;
  const L = (): Lab => {
    if (!lab) throw new Error("lab was not created (see the first test)");
    return lab;
  };
  const ok = (r: { code: number; stdout: string; stderr: string }, what: string) =>
    assert.equal(r.code, 0, `${what} failed (${r.code}):\n${r.stderr}${r.stdout}`);

  test("lab comes up", { timeout: 20 * MIN }, async () => {
    lab = await createLab({ log: (s) => console.error(`[lab] ${s}`) });
    console.error(`[lab] ${lab.id} up; timings ${JSON.stringify(lab.timings)}`);
    assert.ok(fs.existsSync(lab.identityFile));
    assert.match(fs.readFileSync(lab.knownHostsFile, "utf8"), /^\[192\.0\.2\.2\]:2222 ssh-ed25519 /m);
    assert.match(fs.readFileSync(lab.knownHostsFile, "utf8"), /^192\.0\.2\.1 ssh-ed25519 /m);
    assert.match(lab.siteYaml(), /alpha/);
  });

  test("OpenSSH reaches both gateways from the operator namespace", { timeout: MIN }, async () => {
    const l = L();
    for (const [site, host, user] of [["alpha", "alpha-gw", "root"], ["beta", "beta-gw", "ops"]] as const) {
      const r = await l.inNs(l.operatorNs, ["ssh", "-F", l.sshConfigFile, host, "true"], { timeoutMs: 30_000 });
      ok(r, `ssh ${host} true`);
      const who = await l.inNs(l.operatorNs, ["ssh", "-F", l.sshConfigFile, host, "hostname; id -un"], { timeoutMs: 30_000 });
      ok(who, `ssh ${host}`);
      assert.equal(who.stdout, `wg-${site}\n${user}\n`);
    }
  });

  test("the operator namespace runs bun and sees only the lab", { timeout: MIN }, async () => {
    const l = L();
    const r = await l.inNs(l.operatorNs, ["npx", "bun", "-e", "console.log(1)"], { timeoutMs: 60_000 });
    ok(r, "npx bun in the operator namespace");
    assert.equal(r.stdout.trim(), "1");
    const routes = await l.inNs(l.operatorNs, ["ip", "-4", "route"]);
    assert.equal(routes.stdout.trim(), "192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.100");
  });

  test("sudo on beta needs the password", { timeout: MIN }, async () => {
    const l = L();
    const pw = l.gateways.beta.sudoPassword;
    assert.ok(pw);
    const n = await l.ssh("beta", "sudo -n true");
    assert.notEqual(n.code, 0, "sudo -n must fail without a password");
    const s = await l.ssh("beta", "sudo -S -p '' id -u", { input: `${pw}\n` });
    ok(s, "sudo -S");
    assert.equal(s.stdout.trim(), "0");
    const bad = await l.ssh("beta", "sudo -S -p '' id -u", { input: "wrong\n" });
    assert.notEqual(bad.code, 0, "sudo with a wrong password must fail");
  });

  test("gateways start bare: no WireGuard module, no tools, no forwarding; tun is there", { timeout: MIN }, async () => {
    const l = L();
    for (const site of ["alpha", "beta"] as const) {
      const r = await l.inGateway(site, "cat /proc/sys/net/ipv4/ip_forward; command -v wg || echo no-wg; command -v iptables || echo no-iptables; test -c /dev/net/tun && echo tun");
      ok(r, `inspect ${site}`);
      assert.equal(r.stdout, "0\nno-wg\nno-iptables\ntun\n");
      const wg = await l.inGateway(site, "ip link add wgtest type wireguard");
      assert.notEqual(wg.code, 0, "kernel WireGuard must be unavailable (wg-quick falls back to wireguard-go)");
    }
  });

  test("apt installs WireGuard offline from the lab repository", { timeout: 5 * MIN }, async () => {
    const l = L();
    const r = await l.inGateway(
      "alpha",
      "apt-get update -q && apt-get install -y -q wireguard-tools wireguard-go && wg --version",
      { env: { DEBIAN_FRONTEND: "noninteractive" }, timeoutMs: 4 * MIN },
    );
    ok(r, "apt-get install wireguard-tools wireguard-go");
    // The userspace fallback actually works with the bound /dev/net/tun.
    const go = await l.inGateway("alpha", "wireguard-go wgtest >/dev/null 2>&1 && ip link show wgtest >/dev/null && ip link del wgtest && echo ok");
    ok(go, "wireguard-go wgtest");
    assert.equal(go.stdout.trim(), "ok");
    // And as the unprivileged beta user through sudo over ssh.
    const b = await l.ssh(
      "beta",
      "sudo -S -p '' env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -q && apt-get install -y -q iptables nftables && iptables -S FORWARD'",
      { input: `${l.gateways.beta.sudoPassword}\n`, timeoutMs: 4 * MIN },
    );
    ok(b, "apt-get install iptables nftables on beta via sudo");
    assert.match(b.stdout, /-P FORWARD ACCEPT/);
  });

  test("LANs reach their own gateway but not each other (no tunnel yet)", { timeout: MIN }, async () => {
    const l = L();
    const ping = (ns: string, ip: string) => l.inNs(ns, ["ping", "-c", "1", "-W", "1", ip]);
    ok(await ping(l.lanHosts.alpha.ns, "10.10.10.1"), "alpha LAN -> 10.10.10.1");
    ok(await ping(l.lanHosts.beta.ns, "10.10.11.1"), "beta LAN -> 10.10.11.1");
    assert.notEqual((await ping(l.lanHosts.alpha.ns, "10.10.11.10")).code, 0, "alpha LAN must not reach beta LAN");
    assert.notEqual((await ping(l.lanHosts.beta.ns, "10.10.10.10")).code, 0, "beta LAN must not reach alpha LAN");
    assert.notEqual((await ping(l.operatorNs, "10.10.10.10")).code, 0, "operator must not reach a LAN");
    ok(await ping(l.operatorNs, "192.0.2.1"), "operator -> alpha public");
    ok(await ping(l.gateways.alpha.ns, "192.0.2.2"), "alpha -> beta public");
  });

  test("variants prepare gateways before tests; labs run side by side", { timeout: 10 * MIN }, async () => {
    L(); // the first lab stays up meanwhile
    registerVariant("lab-test-forward-drop", {
      description: "test-only: iptables preinstalled on alpha with FORWARD DROP",
      prepareRoot: (site, root) => {
        if (site === "alpha") fs.writeFileSync(`${root}/etc/lab-variant`, "forward-drop\n");
      },
      afterBoot: async (lab) => {
        const r = await lab.inGateway(
          "alpha",
          "apt-get update -q && apt-get install -y -q iptables && iptables -P FORWARD DROP",
          { env: { DEBIAN_FRONTEND: "noninteractive" }, timeoutMs: 4 * MIN },
        );
        if (r.code !== 0) throw new Error(`variant setup failed: ${r.stderr}`);
      },
    });
    const other = await createLab({ variant: "lab-test-forward-drop" });
    try {
      assert.notEqual(other.id, L().id);
      assert.equal(other.variant, "lab-test-forward-drop");
      const r = await other.ssh("alpha", "cat /etc/lab-variant; iptables -S FORWARD | head -1");
      ok(r, "ssh to the variant lab");
      assert.equal(r.stdout, "forward-drop\n-P FORWARD DROP\n");
    } finally {
      await other.teardown();
    }
    await assert.rejects(createLab({ variant: "no-such-variant" }), /unknown lab variant/);
  });

  test("restartGateway reboots like a real machine and ssh comes back", { timeout: 5 * MIN }, async () => {
    const l = L();
    // alpha: runtime state is lost. beta: configuration persisted in /etc is applied at boot.
    ok(await l.inGateway("alpha", "touch /run/marker && sysctl -qw net.ipv4.ip_forward=1"), "alpha prepare");
    ok(await l.inGateway("beta", "echo net.ipv4.ip_forward=1 > /etc/sysctl.d/90-lab-test.conf"), "beta prepare");
    const t = performance.now();
    await Promise.all([l.restartGateway("alpha"), l.restartGateway("beta")]);
    console.error(`[lab] both gateways restarted in ${Math.round(performance.now() - t)} ms`);
    const a = await l.ssh("alpha", "test -e /run/marker && echo marker; cat /proc/sys/net/ipv4/ip_forward; command -v wg");
    ok(a, "ssh alpha after restart");
    assert.equal(a.stdout, "0\n/usr/bin/wg\n", "reboot keeps the disk, drops runtime state");
    const b = await l.ssh("beta", "cat /proc/sys/net/ipv4/ip_forward");
    ok(b, "ssh beta after restart");
    assert.equal(b.stdout.trim(), "1", "systemd-sysctl applies /etc/sysctl.d at boot");
    ok(await l.inNs(l.lanHosts.alpha.ns, ["ping", "-c", "1", "-W", "1", "10.10.10.1"]), "alpha LAN after restart");
  });

  test("teardown leaves no namespaces, processes or directories", { timeout: 2 * MIN }, async () => {
    const l = L();
    const prefix = `wgl-${l.id}-`;
    await l.teardown();
    await l.teardown(); // idempotent
    const ns = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
    assert.ok(!ns.includes(prefix), `namespaces left: ${ns}`);
    const procs = spawnSync("ps", ["-eo", "pid,args"], { encoding: "utf8" }).stdout.split("\n").filter((p) => p.includes(l.dir) || p.includes(prefix));
    assert.deepEqual(procs, []);
    assert.ok(!fs.existsSync(l.dir), `${l.dir} still exists`);
  });
}
