/**
 * Endpoints given by DNS name (issue 19), on the lab with dnsmasq serving alpha.lab.example and
 * beta.lab.example: apply installs the re-resolve job and the boot wait; status shows the name; beta
 * moves to a new address and its record follows: the tunnel comes back by itself within three
 * minutes, through alpha's job; remove takes the job away.
 *
 *   node_modules/.bin/bun test test/e2e/reresolve.e2e.test.ts      (root; skips with a visible reason otherwise)
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createLab, labSkipReason, type Lab } from "../lab/lab.ts";
import { DNS_NAMES, dnsSiteYaml, setDnsRecords } from "../lab/variants.ts";
import { eventually, wgsite } from "./run-wgsite.ts";

const MIN = 60_000;
const skip = labSkipReason() ?? (spawnSync("sh", ["-c", "command -v dnsmasq"]).status === 0 ? undefined : "dnsmasq missing (apt-get install dnsmasq-base)");
let lab: Lab;
let site: string;
const MOVED = "192.0.2.22";

type CheckJson = { id: string; status: string; detail: string; hint?: string };
type StatusDoc = { gateways: { site: string; checks: CheckJson[]; wg: { peer: { endpointName?: string; resolvesTo?: string[] | null } | null } | null }[] };

before(
  async () => {
    if (skip) return;
    lab = await createLab({ variant: "dns-names", log: (s) => console.error(`[lab] ${s}`) });
    site = join(lab.dir, "site.yaml");
    writeFileSync(site, dnsSiteYaml(lab));
  },
  { timeout: 20 * MIN },
);

after(
  async () => {
    await lab?.teardown();
  },
  { timeout: 2 * MIN },
);

async function gw(side: "alpha" | "beta", cmd: string): Promise<string> {
  const r = await lab.inGateway(side, cmd, { timeoutMs: 2 * MIN });
  assert.equal(r.code, 0, `${side}: ${cmd}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const lanPing = async () => (await lab.inNs(lab.lanHosts.alpha.ns, ["ping", "-c1", "-W1", lab.lanHosts.beta.ip])).code === 0;

/** Beta's public address, moved inside its namespace (the lab's "internet" is one bridge). */
async function moveBeta(from: string, to: string): Promise<void> {
  const dev = lab.gateways.beta.publicIf;
  await gw("beta", `ip addr del ${from}/24 dev ${dev} && ip addr add ${to}/24 dev ${dev}`);
}

test("apply with endpoint names: the job and the boot wait on both gateways, the tunnel verified", { skip, timeout: 10 * MIN }, async () => {
  const r = await wgsite(lab, ["--non-interactive", "-c", site]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Install the endpoint re-resolution job for beta\.lab\.example/);
  for (const [side, iface] of [["alpha", "wgA"], ["beta", "wgB"]] as const) {
    assert.equal((await gw(side, `systemctl is-active wgsite-reresolve-${iface}.timer`)).trim(), "active");
    assert.match(await gw(side, `systemctl show -p DropInPaths wg-quick@${iface}`), new RegExp(`/etc/systemd/system/wg-quick@${iface}\\.service\\.d/wgsite-dns\\.conf`));
    assert.match(await gw(side, `systemctl show -p Restart -p RestartUSec wg-quick@${iface}`), /Restart=on-failure\nRestartUSec=10s/);
    assert.equal((await gw(side, `stat -c %a /usr/local/sbin/wgsite-reresolve-${iface}`)).trim(), "755");
  }
  assert.equal((await gw("alpha", "wg show wgA endpoints")).split("\t")[1]?.trim(), `${lab.gateways.beta.publicIp}:51000`);
  assert.ok(await eventually(lanPing, 20_000), "LAN to LAN");

  const again = await wgsite(lab, ["--non-interactive", "-c", site]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /re-resolution job[^\n]*nothing to do/, "a rerun leaves the job alone");
});

test("status: the name, what it resolves to and what the interface uses", { skip, timeout: 2 * MIN }, async () => {
  const r = await wgsite(lab, ["status", "-c", site, "--once", "--json"]);
  assert.equal(r.code, 0, `${r.stderr}${r.stdout}`);
  const doc = JSON.parse(r.stdout) as StatusDoc;
  const alpha = doc.gateways.find((g) => g.site === "alpha")!;
  assert.deepEqual(alpha.checks.find((c) => c.id === "endpoint"), { id: "endpoint", title: "endpoint", status: "green", detail: `${DNS_NAMES.beta} = ${lab.gateways.beta.publicIp}:51000` } as CheckJson);
  assert.equal(alpha.wg?.peer?.endpointName, DNS_NAMES.beta);
  assert.deepEqual(alpha.wg?.peer?.resolvesTo, [lab.gateways.beta.publicIp]);
});

// Not passing yet: alpha's job moves the peer to the new address within the three minutes, and beta
// receives alpha's handshakes there, but alpha never gets beta's answers (beta's wireguard-go seems to
// answer from its old source address). Skipped until that is understood; see issue 19.

test("beta moves to a new address and its record follows: the tunnel comes back by itself within three minutes", { skip, timeout: 8 * MIN }, async () => {
  assert.ok(await lanPing(), "up before the move");
  const started = Date.now();
  await moveBeta(lab.gateways.beta.publicIp, MOVED);
  try {
    await setDnsRecords(lab, { beta: MOVED });
    // dnsmasq reads its hosts file again when it gets to the SIGHUP, a moment later.
    const resolvesMoved = async () => (await gw("alpha", `getent ahosts ${DNS_NAMES.beta} | head -n1`)).split(/\s+/)[0] === MOVED;
    assert.ok(await eventually(resolvesMoved, 5000, 100), "alpha's resolver has the new record");
    // Only alpha's side sends (pings from its LAN): nothing from beta can teach alpha the new address by roaming.
    const back = await eventually(lanPing, 3 * MIN - (Date.now() - started), 2000);
    const seconds = Math.round((Date.now() - started) / 1000);
    console.error(`[reresolve] LAN to LAN again ${seconds} s after the move`);
    const log = (await lab.inGateway("alpha", "journalctl -q -o cat -u wgsite-reresolve-wgA.service | grep wgsite-reresolve")).stdout;
    assert.ok(back, `no LAN ping within three minutes of the move; alpha's job said:\n${log}`);
    assert.equal((await gw("alpha", "wg show wgA endpoints")).split("\t")[1]?.trim(), `${MOVED}:51000`);
    assert.match(log, new RegExp(`wgsite-reresolve: wgA: beta\\.lab\\.example is ${MOVED.replace(/\./g, "\\.")} now; endpoint ${lab.gateways.beta.publicIp.replace(/\./g, "\\.")}:51000 -> ${MOVED.replace(/\./g, "\\.")}:51000`));
    // restrictPort had opened the port to the old address only: the job moved that too.
    assert.match(log, new RegExp(`wgsite-reresolve: wgA: UDP 51000 now accepted from ${MOVED.replace(/\./g, "\\.")} instead of ${lab.gateways.beta.publicIp.replace(/\./g, "\\.")}`));
  } finally {
    await lab.inGateway("beta", `ip addr del ${MOVED}/24 dev ${lab.gateways.beta.publicIf}; ip addr add ${lab.gateways.beta.publicIp}/24 dev ${lab.gateways.beta.publicIf}`);
    await setDnsRecords(lab, { beta: lab.gateways.beta.publicIp });
  }
  // Back home: the job follows again, so SSH and the later tests find beta where the site file says.
  // By hand, as the job would after the next stale handshake: the endpoint and the port's accepted source.
  const rule = (verb: string, from: string) => `iptables -w ${verb} INPUT -p udp --dport 51000 -s ${from} -m comment --comment wgsite:wgA -j ACCEPT`;
  await gw("alpha", `wg set wgA peer "$(wg show wgA peers)" endpoint ${lab.gateways.beta.publicIp}:51000; ${rule("-D", MOVED)}; ${rule("-I", lab.gateways.beta.publicIp)}`);
  assert.ok(await eventually(lanPing, 30_000), "LAN to LAN after moving back");
});

test("a reboot while beta's name does not resolve: wg-quick@wgA waits and retries, and the tunnel comes up once DNS answers", { skip, timeout: 5 * MIN }, async () => {
  assert.ok(await eventually(lanPing, 30_000), "up before the reboot");
  await setDnsRecords(lab, { beta: undefined });
  try {
    await lab.restartGateway("alpha");
    await new Promise((r) => setTimeout(r, 15_000));
    assert.equal(await lanPing(), false, "no tunnel while the name does not resolve");
    const state = (await lab.inGateway("alpha", "systemctl show -p ActiveState -p NRestarts wg-quick@wgA")).stdout;
    assert.doesNotMatch(state, /ActiveState=(active|failed)\n/, `wg-quick@wgA keeps trying: ${state}`);
  } finally {
    await setDnsRecords(lab, { beta: lab.gateways.beta.publicIp });
  }
  const answered = Date.now();
  assert.ok(await eventually(lanPing, 60_000, 1000), "LAN to LAN once the name resolves");
  console.error(`[reresolve] LAN to LAN ${Math.round((Date.now() - answered) / 1000)} s after DNS answered again`);
  assert.equal((await lab.inGateway("alpha", "systemctl is-active wg-quick@wgA")).stdout.trim(), "active");
});

test("remove takes the job and the boot wait away on both gateways", { skip, timeout: 5 * MIN }, async () => {
  const r = await wgsite(lab, ["remove", "-c", site]);
  assert.equal(r.code, 0, r.stderr);
  for (const [side, iface] of [["alpha", "wgA"], ["beta", "wgB"]] as const) {
    const left = await gw(side, `ls /usr/local/sbin/wgsite-reresolve-${iface} /etc/systemd/system/wgsite-reresolve-${iface}.* /etc/systemd/system/wg-quick@${iface}.service.d 2>/dev/null; true`);
    assert.equal(left, "", `${side}: left behind`);
    assert.notEqual((await lab.inGateway(side, `systemctl is-active wgsite-reresolve-${iface}.timer`)).stdout.trim(), "active");
  }
});
