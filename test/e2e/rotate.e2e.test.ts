/**
 * `wgsite rotate` on the lab: new private keys made on both gateways and taken live under a ping
 * stream between the LAN hosts; the old keys gone; a rerun changes nothing; a new preshared key with
 * --psk; a rotation whose verification fails puts the old keys back and the tunnel works with them.
 *
 *   node_modules/.bin/bun test test/e2e/rotate.e2e.test.ts      (root; skips with a visible reason otherwise)
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createLab, labSkipReason, type Lab } from "../lab/lab.ts";
import { eventually, labSite, wgsite } from "./run-wgsite.ts";

const skip = labSkipReason();
let lab: Lab;
let site: string;
const outputs: string[] = [];

before(async () => {
  if (skip) return;
  lab = await createLab();
  site = join(lab.dir, "site.yaml");
  writeFileSync(site, labSite(lab).replace("  port: 51000", "  port: 51000\n  presharedKey: true"));
  const r = await wgsite(lab, ["--non-interactive", "-c", site]);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await lab?.teardown();
});

const publicKeys = async () => [
  (await lab.inGateway("alpha", "wg show wgA public-key")).stdout.trim(),
  (await lab.inGateway("beta", "wg show wgB public-key")).stdout.trim(),
];
const keyFiles = async (side: "alpha" | "beta") => (await lab.inGateway(side, "ls /etc/wireguard")).stdout.trim().split("\n").sort();

/** Pings at 10/s from alpha's LAN host to beta's while `during` runs; the count of lost ones. */
async function lostDuring(during: () => Promise<unknown>): Promise<{ lost: number; sent: number }> {
  // -c, not -w: with a deadline ping stops at the first send error (ENOKEY while a handshake is due).
  const stream = lab.inNs(lab.lanHosts.alpha.ns, ["sh", "-c", `ping -n -i 0.1 -c 80 -W 1 ${lab.lanHosts.beta.ip} | tail -n 3`]);
  await new Promise((r) => setTimeout(r, 500));
  await during();
  const out = (await stream).stdout;
  const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
  assert.ok(m, out);
  return { sent: Number(m[1]), lost: Number(m[1]) - Number(m[2]) };
}

test("rotate: new keys on both gateways, taken live: at most one handshake lost at 10/s, the old keys gone, a rerun changes nothing", { skip }, async () => {
  const before = await publicKeys();
  const journalBefore = JSON.parse((await lab.inGateway("alpha", "cat /var/lib/wgsite/wgA.json")).stdout);
  let r = { code: -1, stdout: "", stderr: "" };
  const { lost, sent } = await lostDuring(async () => (r = await wgsite(lab, ["rotate", "-c", site, "--yes"])));
  outputs.push(r.stdout, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /New keys on alpha and beta, taken live; tunnel verified/);
  console.error(`[rotate] ${lost} of ${sent} pings lost at 10/s during the rotation`);
  assert.ok(lost <= 10, `${lost} of ${sent} pings lost`);
  const after = await publicKeys();
  assert.notEqual(after[0], before[0]);
  assert.notEqual(after[1], before[1]);
  assert.deepEqual(await keyFiles("alpha"), ["wgA.conf", "wgA.key", "wgA.psk"], "no old key left beside the new one");
  assert.deepEqual(await keyFiles("beta"), ["wgB.conf", "wgB.key", "wgB.psk"]);
  // Each side's config names the other's new key; the units never restarted (live).
  assert.match((await lab.inGateway("alpha", "cat /etc/wireguard/wgA.conf")).stdout, new RegExp(`PublicKey = ${after[1]!.replace(/[+/]/g, "\\$&")}`));
  const journal = JSON.parse((await lab.inGateway("alpha", "cat /var/lib/wgsite/wgA.json")).stdout);
  assert.notEqual(journal.keysMadeAt, journalBefore.keysMadeAt ?? journalBefore.firstRun, "the journal says when the keys were made");
  const rerun = await wgsite(lab, ["--non-interactive", "-c", site]);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stderr, /Nothing to change/);
});

test("rotate --psk: a new preshared key on both ends, the same on both", { skip }, async () => {
  const psk = async (side: "alpha" | "beta", iface: string) => (await lab.inGateway(side, `sha256sum /etc/wireguard/${iface}.psk`)).stdout.split(" ")[0];
  const before = await psk("alpha", "wgA");
  const r = await wgsite(lab, ["rotate", "-c", site, "--psk", "--yes"]);
  outputs.push(r.stdout, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.notEqual(await psk("alpha", "wgA"), before);
  assert.equal(await psk("alpha", "wgA"), await psk("beta", "wgB"));
  assert.equal((await lab.inNs(lab.lanHosts.alpha.ns, ["ping", "-c1", "-W2", lab.lanHosts.beta.ip])).code, 0);
});

test("a rotation whose verification fails puts the old keys back; the tunnel works with them", { skip }, async () => {
  const before = await publicKeys();
  const blocked = await lab.inGateway("alpha", "iptables -w -I INPUT -p udp --dport 51000 -j DROP && iptables -w -S INPUT");
  assert.equal(blocked.code, 0, blocked.stderr);
  console.error(`[rotate] alpha INPUT: ${blocked.stdout.trim().split("\n").join(" | ")}`);
  const r = await wgsite(lab, ["rotate", "-c", site, "--yes", "--verify-timeout", "10"]);
  outputs.push(r.stdout, r.stderr);
  await lab.inGateway("alpha", "iptables -D INPUT -p udp --dport 51000 -j DROP");
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /alpha: rolled back to its previous state/);
  assert.match(r.stderr, /beta: rolled back to its previous state/);
  assert.deepEqual(await publicKeys(), before, "the old keys are back, on disk and in the interfaces");
  assert.deepEqual(await keyFiles("alpha"), ["wgA.conf", "wgA.key", "wgA.psk"]);
  assert.equal((await lab.inNs(lab.lanHosts.alpha.ns, ["ping", "-c1", "-W3", lab.lanHosts.beta.ip])).code, 0, "the tunnel works with the old keys");
});

test("a rotation cut off on beta mid-way (connection lost after its config): alpha rolls back at once, beta's revert timer within the deadline; the old keys carry traffic", { skip, timeout: 4 * 60_000 }, async () => {
  const before = await publicKeys();
  const r = await wgsite(lab, ["rotate", "-c", site, "--yes", "--verify-timeout", "10"], { WGSITE_TEST_CUT_AFTER: "beta:config" });
  outputs.push(r.stdout, r.stderr);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /beta \(192\.0\.2\.\d:\d+\): running wgsite's steps .*the connection closed/);
  assert.match(r.stderr, /alpha: rolled back to its previous state/);
  // Beta undoes the run by itself: the transient revert timer fires verify-timeout + 60 s after it was armed
  // (until then beta's interface still runs its old key, but the files on disk are this run's).
  const fileKey = async () => (await lab.inGateway("beta", "wg pubkey < /etc/wireguard/wgB.key")).stdout.trim();
  const reverted = await eventually(async () => (await keyFiles("beta")).length === 3 && (await fileKey()) === before[1], 150_000, 2000);
  assert.ok(reverted, `beta reverted: ${JSON.stringify(await keyFiles("beta"))}`);
  assert.deepEqual(await publicKeys(), before, "the old keys on both, on disk and in the interfaces");
  assert.equal((await lab.inGateway("beta", "systemctl list-timers --all --no-legend | grep -c wgsite || true")).stdout.trim(), "0", "no revert left armed");
  assert.ok(await eventually(async () => (await lab.inNs(lab.lanHosts.alpha.ns, ["ping", "-c1", "-W1", lab.lanHosts.beta.ip])).code === 0, 20_000), "the tunnel works with the old keys");
  const rerun = await wgsite(lab, ["--non-interactive", "-c", site]);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stderr, /Nothing to change/);
});

test("rotate refuses without a running tunnel, and --psk without presharedKey, before anything changes", { skip }, async () => {
  const plain = join(lab.dir, "plain.yaml");
  writeFileSync(plain, labSite(lab));
  const r = await wgsite(lab, ["rotate", "-c", plain, "--psk", "--yes"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--psk: tunnel\.presharedKey is not on/);
});

test("no private key, preshared key or sudo password appears in rotate's output", { skip }, async () => {
  const secrets = [
    (await lab.inGateway("alpha", "cat /etc/wireguard/wgA.key")).stdout.trim(),
    (await lab.inGateway("beta", "cat /etc/wireguard/wgB.key")).stdout.trim(),
    (await lab.inGateway("alpha", "cat /etc/wireguard/wgA.psk")).stdout.trim(),
    lab.gateways.beta.sudoPassword!,
  ];
  for (const s of secrets) for (const o of outputs) assert.ok(!o.includes(s), "a secret leaked");
});
