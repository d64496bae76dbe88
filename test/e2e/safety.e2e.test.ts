import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createLab, labSkipReason, type Lab } from "../lab/lab.ts";
import { labSite, wgsite } from "./run-wgsite.ts";

const skip = labSkipReason();
let lab: Lab;
let site: string;

before(async () => {
  if (skip) return;
  lab = await createLab();
  site = join(lab.dir, "site.yaml");
  writeFileSync(site, labSite(lab));
});

after(async () => {
  await lab?.teardown();
});

/** What a gateway looks like to wgsite's undo: the files, the unit, forwarding and wgsite's rules. */
async function snapshot(side: "alpha" | "beta"): Promise<string> {
  const iface = side === "alpha" ? "wgA" : "wgB";
  return (
    await lab.inGateway(
      side,
      `ls -A /etc/wireguard /var/lib/wgsite 2>&1; ls /etc/sysctl.d; systemctl is-enabled wg-quick@${iface}; systemctl is-active wg-quick@${iface}; sysctl -n net.ipv4.ip_forward; iptables-save 2>/dev/null | grep -c wgsite; systemctl list-timers --all --no-legend | grep -c wgsite`,
    )
  ).stdout;
}

/**
 * Runs that should pass get 15 s: a handshake initiation lost while the peer's interface is still coming up is
 * retried by WireGuard only after 5 s (REKEY_TIMEOUT). Runs meant to fail (verification, a cut connection) keep 5 s.
 */
const PASSING = "15";
const FAILING = "5";
const apply = (extra: string[] = [], env: Record<string, string> = {}, verifyTimeout = PASSING) =>
  wgsite(lab, ["--non-interactive", "-c", site, "--verify-timeout", verifyTimeout, ...extra], env);

test("lockout guard: a gateway reached from inside the other site's LAN is refused before any change", { skip }, async () => {
  const gw = lab.gateways.alpha;
  // The operator appears as 10.10.11.200, an address of beta's LAN, and alpha routes it by default.
  await lab.inNs(gw.ns, ["ip", "route", "add", "default", "via", lab.operatorIp]);
  await lab.inNs(lab.operatorNs, ["ip", "addr", "add", "10.10.11.200/32", "dev", "eth0"]);
  await lab.inNs(lab.operatorNs, ["ip", "route", "add", `${gw.publicIp}/32`, "dev", "eth0", "src", "10.10.11.200"]);
  try {
    const before = await snapshot("alpha");
    const r = await apply();
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /sites\.alpha\.ssh: alpha is reached from 10\.10\.11\.200 \(the SSH session's client address\), inside sites\.beta\.lan\[0\] 10\.10\.11\.0\/24/);
    assert.equal(await snapshot("alpha"), before, "nothing changed on alpha");
  } finally {
    await lab.inNs(lab.operatorNs, ["ip", "route", "del", `${gw.publicIp}/32`]);
    await lab.inNs(lab.operatorNs, ["ip", "addr", "del", "10.10.11.200/32", "dev", "eth0"]);
    await lab.inNs(gw.ns, ["ip", "route", "del", "default"]);
  }
});

test("verification failing rolls both gateways back to exactly their previous state", { skip }, async () => {
  // Packages are left installed by a rollback (by design): install them first so the rest compares exactly.
  for (const gw of ["alpha", "beta"] as const) await lab.inGateway(gw, "apt-get update -qq && apt-get install -qq -y wireguard-tools wireguard-go iptables >/dev/null 2>&1");
  const before = [await snapshot("alpha"), await snapshot("beta")];
  // WireGuard's UDP cannot reach beta: the tunnel never comes up.
  await lab.inNs(lab.gateways.beta.ns, ["nft", "add table inet labblock { chain in { type filter hook input priority -10; udp dport 51000 drop; }; }"]);
  try {
    const r = await apply(["--json"], {}, FAILING);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^wgsite: warning: --verify-timeout 5 is short: WireGuard retries a lost first handshake only after 5 s/m);
    assert.match(r.stderr, /verification failed/);
    assert.match(r.stderr, /alpha: rolled back to its previous state/);
    assert.match(r.stderr, /beta: rolled back to its previous state/);
    const report = JSON.parse(r.stdout) as { ok: boolean; rolledBack: string[] };
    assert.equal(report.ok, false);
    assert.equal(report.rolledBack.length, 2);
    assert.deepEqual([await snapshot("alpha"), await snapshot("beta")], before);
  } finally {
    await lab.inNs(lab.gateways.beta.ns, ["nft", "delete table inet labblock"]);
  }
});

test("--no-rollback keeps a failed apply's state for debugging", { skip }, async () => {
  await lab.inNs(lab.gateways.beta.ns, ["nft", "add table inet labblock { chain in { type filter hook input priority -10; udp dport 51000 drop; }; }"]);
  try {
    const r = await apply(["--no-rollback"], {}, FAILING);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--no-rollback/);
    assert.match((await lab.inGateway("alpha", "ls /etc/wireguard")).stdout, /wgA\.conf/);
  } finally {
    await lab.inNs(lab.gateways.beta.ns, ["nft", "delete table inet labblock"]);
  }
  const fixed = await apply();
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.equal((await wgsite(lab, ["remove", "-c", site])).code, 0);
});

test("a lost connection after any step, on either gateway, is reported and the next run converges", { skip }, async () => {
  for (const side of ["alpha", "beta"] as const) {
    for (const step of ["install", "keys", "config", "forwarding", "unit"]) {
      // Packages stay installed after remove (by design), so the install step needs them gone.
      if (step === "install") for (const gw of ["alpha", "beta"] as const) await lab.inGateway(gw, "apt-get purge -qq -y wireguard-tools wireguard-go iptables >/dev/null 2>&1");
      const cut = await apply([], { WGSITE_TEST_CUT_AFTER: `${side}:${step}` }, FAILING);
      assert.equal(cut.code, 1, `${side}:${step}: ${cut.stderr}`);
      assert.match(cut.stderr, new RegExp(`${side} \\(192\\.0\\.2\\.\\d:\\d+\\): running wgsite's steps .*the connection closed`), `${side}:${step}`);
      const next = await apply();
      assert.equal(next.code, 0, `after cutting ${side}:${step}: ${next.stderr}`);
      assert.equal((await lab.inNs(lab.lanHosts.alpha.ns, ["ping", "-c1", "-W2", lab.lanHosts.beta.ip])).code, 0, `tunnel after ${side}:${step}`);
      assert.equal((await lab.inGateway(side, "systemctl list-timers --all --no-legend | grep -c wgsite")).stdout.trim(), "0", "no revert left armed");
      const removed = await wgsite(lab, ["remove", "-c", site]);
      assert.equal(removed.code, 0, removed.stderr);
    }
  }
});

test("two runs cannot interleave: the second waits, then names who holds the lock", { skip }, async () => {
  await lab.inGateway("alpha", "mkdir -p /run/wgsite && echo 'wgsite run by someone@elsewhere (pid 42) since earlier' > /run/wgsite/wgA.owner");
  const holder = lab.inGateway("alpha", "flock /run/wgsite/wgA.lock sleep 14");
  await new Promise((r) => setTimeout(r, 500));
  const started = Date.now();
  const r = await apply();
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /alpha: another run holds the wgsite lock for wgA \(wgsite run by someone@elsewhere \(pid 42\) since earlier\)/);
  assert.ok(Date.now() - started >= 9000, "it waited before giving up");
  await holder;
});

test("secrets: a full apply, rerun and remove with a PSK leave no private key, PSK or sudo password in any output or local file", { skip }, async () => {
  const pskSite = join(lab.dir, "psk.yaml");
  writeFileSync(pskSite, labSite(lab).replace("  port: 51000", "  port: 51000\n  presharedKey: true"));
  const outputs: string[] = [];
  const run = async (args: string[]) => {
    const r = await wgsite(lab, [...args, "-c", pskSite]);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  for (let i = 0; i < 2; i++) {
    const r = await run(["--non-interactive", "--json"]);
    assert.equal(r.code, 0, r.stderr);
  }
  const secrets = [
    (await lab.inGateway("alpha", "cat /etc/wireguard/wgA.key")).stdout.trim(),
    (await lab.inGateway("beta", "cat /etc/wireguard/wgB.key")).stdout.trim(),
    (await lab.inGateway("alpha", "cat /etc/wireguard/wgA.psk")).stdout.trim(),
    lab.gateways.beta.sudoPassword!,
  ];
  assert.equal(secrets[2], (await lab.inGateway("beta", "cat /etc/wireguard/wgB.psk")).stdout.trim(), "both ends hold the same PSK");
  assert.equal((await lab.inGateway("alpha", "wg show wgA preshared-keys")).stdout.split("\t")[1]?.trim(), secrets[2]);
  const journal = (await lab.inGateway("alpha", "cat /var/lib/wgsite/wgA.json")).stdout + (await lab.inGateway("beta", "cat /var/lib/wgsite/wgB.json")).stdout;
  assert.equal((await run(["remove"])).code, 0);
  // Every local file of the run (the site files, known_hosts, ssh_config); state.json is the lab's own bookkeeping.
  const localFiles = readdirSync(lab.dir).filter((f) => f !== "state.json" && statSync(join(lab.dir, f)).isFile()).map((f) => readFileSync(join(lab.dir, f), "utf8"));
  for (const secret of secrets) {
    assert.ok(secret.length >= 8);
    for (const text of [...outputs, journal, readFileSync(pskSite, "utf8"), ...localFiles]) assert.ok(!text.includes(secret), "a secret leaked");
  }
});
