import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createLab, labGatewayOs, labSkipReason, type Lab } from "../lab/lab.ts";
import { eventually, labSite, wgsite } from "./run-wgsite.ts";

/** The suite runs on any lab OS (WGSITE_LAB_OS): the service is asked of the gateway's own init. */
const OS = labGatewayOs();
const enabled = (side: "alpha" | "beta", iface: string) =>
  OS[side].init === "openrc" ? `rc-update show default | grep -q '^ *wg-quick.${iface} |' && echo enabled || echo disabled` : `systemctl is-enabled wg-quick@${iface} || true`;
/** Changes when the interface was restarted: systemd's start time, or the link's index under OpenRC. */
const started = (side: "alpha" | "beta", iface: string) =>
  OS[side].init === "openrc" ? `ip -o link show ${iface} | cut -d: -f1` : `systemctl show -p ActiveEnterTimestampMonotonic wg-quick@${iface}`;

const skip = labSkipReason();
let lab: Lab;
let site: string;
const outputs: string[] = [];

type Report = { ok: boolean; gateways: { site: string; changed: boolean; steps: { id: string; status: string }[]; checks: { id: string; ok: boolean }[] }[] };

before(async () => {
  if (skip) return;
  lab = await createLab();
  site = join(lab.dir, "site.yaml");
  writeFileSync(site, labSite(lab));
});

after(async () => {
  await lab?.teardown();
});

const pingable = (from: "alpha" | "beta", to: string) => async () => (await lab.inNs(lab.lanHosts[from].ns, ["ping", "-c1", "-W1", to])).code === 0;

test("first apply takes two bare gateways to a verified tunnel", { skip }, async () => {
  assert.equal((await lab.inNs(lab.lanHosts.alpha.ns, ["ping", "-c1", "-W1", lab.lanHosts.beta.ip])).code, 1, "no path before the tunnel");
  // The LAN hosts have talked to their gateways, as on any LAN: each gateway's neighbours name one.
  for (const side of ["alpha", "beta"] as const) await lab.inNs(lab.lanHosts[side].ns, ["ping", "-c1", "-W1", lab.gateways[side].lanIp]);
  const r = await wgsite(lab, ["--non-interactive", "-c", site, "--json"]);
  outputs.push(r.stdout, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.ok(report.ok);
  assert.deepEqual(report.gateways.map((g) => g.changed), [true, true]);
  for (const g of report.gateways) {
    assert.deepEqual(g.checks.filter((c) => !c.ok), [], `${g.site} checks`);
    assert.ok(g.checks.some((c) => c.id === "lan-ping"), "routed path verified from the LAN address");
  }
  // Each gateway pinged the host heard on the other's LAN: through the other gateway's forwarding and the host's route back.
  const host = (site: string) => (report.gateways.find((g) => g.site === site)!.checks.find((c) => c.id === "lan-host") as { detail: string } | undefined)?.detail ?? "";
  assert.match(host("alpha"), /^10\.10\.11\.10 [\d.]+ ms$/);
  assert.match(host("beta"), /^10\.10\.10\.10 [\d.]+ ms$/);
  assert.match(r.stderr, /\[alpha\] done {3}Install wireguard-tools, wireguard-go/);
  assert.match(r.stderr, /\[beta\] .*sudo-password/, "beta is reached as a sudo user with a password on port 2222");
});

test("LAN hosts reach each other both ways, routed as in the reference", { skip }, async () => {
  assert.ok(await eventually(pingable("alpha", lab.lanHosts.beta.ip), 5000));
  assert.ok(await eventually(pingable("beta", lab.lanHosts.alpha.ip), 5000));
  const trace = await lab.inNs(lab.lanHosts.beta.ns, ["traceroute", "-n", "-w", "1", "-q", "1", lab.lanHosts.alpha.ip]);
  const hops = trace.stdout.split("\n").slice(1).map((l) => l.trim().split(/\s+/)[1]).filter(Boolean);
  assert.deepEqual(hops, ["10.10.11.1", "10.10.9.0", lab.lanHosts.alpha.ip], trace.stdout);
});

test("the unit is enabled, keys are 0600, forwarding persisted", { skip }, async () => {
  assert.equal((await lab.inGateway("alpha", enabled("alpha", "wgA"))).stdout.trim(), "enabled");
  assert.equal((await lab.inGateway("beta", enabled("beta", "wgB"))).stdout.trim(), "enabled");
  assert.equal((await lab.inGateway("alpha", "stat -c %a /etc/wireguard/wgA.key /etc/wireguard/wgA.conf")).stdout, "600\n600\n");
  assert.equal((await lab.inGateway("beta", "stat -c %a /etc/wireguard/wgB.key /etc/wireguard/wgB.conf")).stdout, "600\n600\n");
  assert.match((await lab.inGateway("alpha", "cat /etc/sysctl.d/99-wgsite-wgA.conf")).stdout, /^net\.ipv4\.ip_forward = 1$/m);
});

test("a rerun changes nothing: no restart, same keys, same rules", { skip }, async () => {
  const state = async () =>
    (await lab.inGateway("alpha", `${started("alpha", "wgA")}; sha256sum /etc/wireguard/wgA.key; iptables-save | grep -c wgsite`)).stdout;
  const beforeRun = await state();
  const r = await wgsite(lab, ["--non-interactive", "-c", site, "--json"]);
  outputs.push(r.stdout, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.deepEqual(report.gateways.map((g) => g.changed), [false, false]);
  assert.ok(report.gateways.every((g) => g.steps.every((s) => s.status === "unchanged")));
  assert.match(r.stderr, /Nothing to change/);
  assert.equal(await state(), beforeRun);
});

test("a LAN host whose route back bypasses its gateway: apply passes, with a warning naming the route it needs", { skip }, async () => {
  await lab.inNs(lab.lanHosts.beta.ns, ["ip", "route", "del", "default"]);
  try {
    const r = await wgsite(lab, ["--non-interactive", "-c", site, "--json"]);
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { ok: boolean; gateways: { site: string; checks: { id: string; ok: boolean; warning?: boolean }[] }[] };
    assert.ok(report.ok);
    assert.deepEqual(report.gateways.find((g) => g.site === "alpha")!.checks.find((c) => c.id === "lan-host"), {
      id: "lan-host",
      ok: false,
      warning: true,
      detail: `${lab.lanHosts.beta.ip} no answer: hosts heard on beta's LAN do not answer: if they answer pings at all, their route back to 10.10.10.0/24 must go via 10.10.11.1 (the LAN's default router, or a static route)`,
    });
    assert.match(r.stderr, /\[alpha\] WARN {4}lan-host: /);
    assert.match(r.stderr, /Nothing to change[\s\S]*wgsite: warning: alpha: lan-host: 10\.10\.11\.10 no answer/);
  } finally {
    await lab.inNs(lab.lanHosts.beta.ns, ["ip", "route", "add", "default", "via", lab.gateways.beta.lanIp]);
  }
});

test("no private key appears in wgsite's output", { skip }, async () => {
  const keys = [
    (await lab.inGateway("alpha", "cat /etc/wireguard/wgA.key")).stdout.trim(),
    (await lab.inGateway("beta", "cat /etc/wireguard/wgB.key")).stdout.trim(),
  ];
  assert.ok(keys.every((k) => k.length === 44));
  for (const key of keys) for (const out of outputs) assert.ok(!out.includes(key), "a private key leaked into output");
  for (const out of outputs) assert.ok(!out.includes(lab.gateways.beta.sudoPassword!), "the sudo password leaked into output");
});

test("rebooting a gateway brings the tunnel back by itself", { skip }, async () => {
  await lab.restartGateway("alpha");
  assert.ok(await eventually(pingable("beta", lab.lanHosts.alpha.ip), 30_000), "tunnel did not come back after reboot");
  assert.equal((await lab.inGateway("alpha", "sysctl -n net.ipv4.ip_forward")).stdout.trim(), "1");
});

test("unknown host keys: refused with exit 4, recorded hashed with --accept-new-host-keys", { skip }, async () => {
  const knownHosts = join(lab.dir, "empty_known_hosts");
  writeFileSync(knownHosts, "");
  const refused = await wgsite(lab, ["--non-interactive", "-c", site, "--known-hosts", knownHosts]);
  assert.equal(refused.code, 4, refused.stderr);
  assert.match(refused.stderr, /SHA256:/);
  const accepted = await wgsite(lab, ["--non-interactive", "-c", site, "--known-hosts", knownHosts, "--accept-new-host-keys"]);
  assert.equal(accepted.code, 0, accepted.stderr);
  const recorded = (await lab.inNs(lab.operatorNs, ["cat", knownHosts])).stdout.trim().split("\n");
  assert.equal(recorded.length, 2);
  assert.ok(recorded.every((l) => l.startsWith("|1|")), "recorded hashed");
});

test("remove undoes exactly what wgsite did; a second remove is a no-op", { skip }, async () => {
  const r = await wgsite(lab, ["remove", "-c", site]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await lab.inGateway("alpha", "ls /etc/wireguard; ls /var/lib/wgsite; ls /etc/sysctl.d | grep -c wgsite; iptables-save | grep -c wgsite")).stdout, "0\n0\n");
  assert.equal((await lab.inGateway("alpha", enabled("alpha", "wgA"))).stdout.trim(), "disabled");
  assert.equal((await lab.inGateway("alpha", "sysctl -n net.ipv4.ip_forward")).stdout.trim(), "0");
  const again = await wgsite(lab, ["remove", "-c", site]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /Nothing to remove/);
});
