/**
 * `wgsite status` against real gateways (the lab): green after apply, then one thing broken at a
 * time (ip_forward, the unit, inter-site NAT, FORWARD policy, the peer key): the matching check goes
 * red with the matching hint and `--json` exits 3; repaired (with the hint's own command where it
 * gives one), everything is green again.
 *
 *   npx bun test test/status/status.e2e.test.ts      (root; skips with a visible reason otherwise)
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { createLab, labSkipReason, type Lab } from "../lab/lab.ts";
import { eventually, labSite, startWgsite, wgsite, wgsiteArgv } from "./run-wgsite.ts";
import { quote } from "../../src/core/shell.ts";
import type { TickCost } from "./measure-tick.ts";

const skip = labSkipReason();
const MIN = 60_000;
let lab: Lab;
let site: string;

type CheckJson = { id: string; title: string; status: "green" | "yellow" | "red"; detail: string; hint?: string };
type StatusDoc = { summary: string; status: string; gateways: { site: string; reachable: boolean; checks: CheckJson[] }[] };

// A lab takes minutes the first time (debootstrap, the apt repository); WGSITE_LAB=0 skips it.
before(
  async () => {
    if (skip) return;
    lab = await createLab({ log: (s) => console.error(`[lab] ${s}`) });
    site = join(lab.dir, "site.yaml");
    writeFileSync(site, labSite(lab));
  },
  { timeout: 20 * MIN },
);

after(
  async () => {
    await lab?.teardown();
  },
  { timeout: 2 * MIN },
);

async function status(): Promise<{ code: number; doc: StatusDoc; stderr: string }> {
  const r = await wgsite(lab, ["status", "-c", site, "--once", "--json"]);
  let doc: StatusDoc;
  try {
    doc = JSON.parse(r.stdout) as StatusDoc;
  } catch {
    throw new Error(`status --json printed no JSON (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  }
  return { code: r.code, doc, stderr: r.stderr };
}

const check = (doc: StatusDoc, gw: "alpha" | "beta", id: string) => doc.gateways.find((g) => g.site === gw)!.checks.find((c) => c.id === id)!;
const notGreen = (doc: StatusDoc, status: "red" | "yellow" = "red") =>
  doc.gateways.flatMap((g) => g.checks.filter((c) => c.status === status).map((c) => `${g.site} ${c.id}: ${c.detail} (${c.hint ?? ""})`));

/** Green again, within `ms` (a restarted unit needs a handshake first). */
async function green(ms = 30_000): Promise<void> {
  let last: Awaited<ReturnType<typeof status>> | undefined;
  const ok = await eventually(async () => {
    last = await status();
    return last.code === 0 && notGreen(last.doc).length === 0;
  }, ms, 1000);
  assert.ok(ok, `still red after repair: ${JSON.stringify(last && notGreen(last.doc))}\n${last?.stderr}`);
}

async function gw(side: "alpha" | "beta", cmd: string): Promise<string> {
  const r = await lab.inGateway(side, cmd, { env: { DEBIAN_FRONTEND: "noninteractive" }, timeoutMs: 4 * MIN });
  assert.equal(r.code, 0, `${side}: ${cmd}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The part of a hint after "or now: ": the command that fixes it on the spot. */
const nowCommand = (hint: string | undefined) => {
  const at = hint?.indexOf("or now: ") ?? -1;
  assert.ok(hint && at >= 0, `hint without a command: ${hint}`);
  return hint.slice(at + "or now: ".length);
};

const lanPing = () => lab.inNs(lab.lanHosts.alpha.ns, ["ping", "-c1", "-W1", lab.lanHosts.beta.ip]);

test("after apply: every check green, exit 0", { skip, timeout: 15 * MIN }, async () => {
  // The LAN hosts have talked to their gateways: each gateway's neighbours name one for the other to ping.
  for (const side of ["alpha", "beta"] as const) await lab.inNs(lab.lanHosts[side].ns, ["ping", "-c1", "-W1", lab.gateways[side].lanIp]);
  const applied = await wgsite(lab, ["--non-interactive", "-c", site]);
  assert.equal(applied.code, 0, applied.stderr);
  const { code, doc } = await status();
  assert.equal(code, 0, JSON.stringify(notGreen(doc)));
  assert.deepEqual(notGreen(doc), []);
  if (notGreen(doc, "yellow").length > 0) console.error(`[status] yellow after apply: ${notGreen(doc, "yellow").join("; ")}`);
  assert.match(doc.summary, /^alpha 10\.10\.10\.0\/24 <-> beta 10\.10\.11\.0\/24: up, [\d.]+ ms, 0 % loss/);
  assert.deepEqual(doc.gateways.map((g) => [g.site, g.reachable, g.checks.length]), [["alpha", true, 15], ["beta", true, 15]]);
  assert.equal(check(doc, "alpha", "lan-host").detail.split(" ")[0], lab.lanHosts.beta.ip);
  assert.equal(check(doc, "beta", "lan-host").detail.split(" ")[0], lab.lanHosts.alpha.ip);
});

test("without a terminal and without --once, status prints one text snapshot and exits", { skip, timeout: 2 * MIN }, async () => {
  const r = await wgsite(lab, ["status", "-c", site]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.match(lines[0]!, /^alpha 10\.10\.10\.0\/24 <-> beta 10\.10\.11\.0\/24: up, /);
  assert.ok(lines.includes("alpha (alpha-gw)  wgA"), r.stdout);
  assert.ok(lines.some((l) => /^ {2}✔ handshake +\d+ s ago$/.test(l)), r.stdout);
  assert.doesNotMatch(r.stdout, /\x1b\[/, "NO_COLOR and no terminal: plain text");
});

// Alerts (issue 19): the snapshot as Prometheus metrics, and a watch that ends on the first red.
const hasPromtool = spawnSync("promtool", ["--version"]).status === 0;

test("--once --prometheus: metrics promtool accepts, both gateways up, no check red", { skip, timeout: 2 * MIN }, async () => {
  const r = await wgsite(lab, ["status", "-c", site, "--once", "--prometheus"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wgsite_gateway_up\{site="alpha",peer="beta",interface="wgA"\} 1$/m);
  assert.match(r.stdout, /^wgsite_gateway_up\{site="beta",peer="alpha",interface="wgB"\} 1$/m);
  assert.match(r.stdout, /^wgsite_peer_handshake_age_seconds\{site="alpha",peer="beta",interface="wgA"\} \d+$/m);
  assert.match(r.stdout, /^wgsite_lan_latency_seconds\{site="beta",peer="alpha",interface="wgB"\} [\d.e-]+$/m);
  assert.deepEqual(r.stdout.split("\n").filter((l) => /state="red"\} 1$/.test(l)), []);
  if (!hasPromtool) console.error("[status] promtool not installed (apt-get install prometheus): exposition not checked by promtool");
  else {
    const checked = spawnSync("promtool", ["check", "metrics"], { input: r.stdout, encoding: "utf8" });
    assert.equal(checked.status, 0, `${checked.stdout}${checked.stderr}`);
  }
});

test("--watch --exit-on-red: keeps probing while green; ip_forward 0 on alpha ends it with 3, the check named with its fix", { skip, timeout: 3 * MIN }, async () => {
  const watch = startWgsite(lab, ["status", "-c", site, "--watch", "--exit-on-red"]);
  try {
    assert.ok(await eventually(async () => /Z alpha 10\.10\.10\.0\/24 <-> beta 10\.10\.11\.0\/24: up/.test(watch.out()), 60_000, 250), `no green line:\n${watch.out()}`);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(watch.code(), undefined, `--watch ended while green:\n${watch.out()}`);
    const broken = Date.now();
    await gw("alpha", "sysctl -qw net.ipv4.ip_forward=0");
    await Promise.race([watch.exited, new Promise((r) => setTimeout(r, 30_000))]);
    assert.equal(watch.code(), 3, `not ended with 3 within 30 s of the break:\n${watch.out()}`);
    console.error(`[status] --exit-on-red ended ${Date.now() - broken} ms after the break`);
    assert.match(watch.out(), /: alpha ip_forward 0\n/);
    assert.match(watch.out(), /^red:\n {2}alpha ip_forward: 0 \(fix: sysctl -w net\.ipv4\.ip_forward=1 /m);
    assert.deepEqual(await probeLoops(), [0, 0], "the probe loops ended on both gateways");
  } finally {
    watch.kill();
    await lab.inGateway("alpha", "sysctl -qw net.ipv4.ip_forward=1");
  }
  await green();
});

test("ip_forward 0 on alpha: red with the sysctl to run; back to green", { skip, timeout: 3 * MIN }, async () => {
  await gw("alpha", "sysctl -qw net.ipv4.ip_forward=0");
  const { code, doc } = await status();
  assert.equal(code, 3);
  assert.deepEqual(check(doc, "alpha", "ip-forward"), {
    id: "ip-forward",
    title: "ip_forward",
    status: "red",
    detail: "0",
    hint: "sysctl -w net.ipv4.ip_forward=1 (wgsite apply also persists it in /etc/sysctl.d/99-wgsite-wgA.conf)",
  });
  assert.equal(doc.summary, "alpha 10.10.10.0/24 <-> beta 10.10.11.0/24: alpha ip_forward 0");
  await gw("alpha", "sysctl -qw net.ipv4.ip_forward=1");
  await green();
});

test("wg-quick stopped on beta: unit and interface red, start it; back to green", { skip, timeout: 3 * MIN }, async () => {
  await gw("beta", "systemctl stop wg-quick@wgB");
  const { code, doc } = await status();
  assert.equal(code, 3);
  assert.deepEqual(check(doc, "beta", "unit"), { id: "unit", title: "unit", status: "red", detail: "inactive, enabled", hint: "systemctl start wg-quick@wgB" });
  assert.equal(check(doc, "beta", "interface").status, "red");
  assert.match(doc.summary, /: beta unit inactive, enabled$/);
  // The unit's journal in the failure message: a start that fails says why.
  await gw("beta", "systemctl start wg-quick@wgB || { journalctl -u wg-quick@wgB -n 40 --no-pager; exit 1; }");
  await green();
});

test("a MASQUERADE catching inter-site traffic on alpha: NAT red; the hint's exemption makes it green", { skip, timeout: 6 * MIN }, async () => {
  await gw("alpha", "command -v iptables >/dev/null || { apt-get update -q && apt-get install -y -q iptables; } >/dev/null");
  await gw("alpha", "iptables -t nat -A POSTROUTING -s 10.10.10.0/24 -j MASQUERADE");
  try {
    const { code, doc } = await status();
    assert.equal(code, 3);
    const nat = check(doc, "alpha", "nat");
    assert.equal(nat.status, "red");
    assert.equal(nat.detail, "MASQUERADE catches it");
    assert.equal(
      nat.hint,
      "inter-site traffic must not be NATed (-A POSTROUTING -s 10.10.10.0/24 -j MASQUERADE): wgsite apply exempts it, or now: iptables -t nat -I POSTROUTING -s 10.10.10.0/24 -d 10.10.11.0/24 -j RETURN",
    );
    await gw("alpha", nowCommand(nat.hint));
    await green();
    await gw("alpha", "iptables -t nat -D POSTROUTING -s 10.10.10.0/24 -d 10.10.11.0/24 -j RETURN");
  } finally {
    await lab.inGateway("alpha", "iptables -t nat -D POSTROUTING -s 10.10.10.0/24 -j MASQUERADE");
  }
  await green();
});

test("FORWARD policy DROP on beta: LANs cut off, FORWARD red; the hint's accepts make it green", { skip, timeout: 6 * MIN }, async () => {
  await gw("beta", "command -v iptables >/dev/null || { apt-get update -q && apt-get install -y -q iptables; } >/dev/null");
  await gw("beta", "iptables -P FORWARD DROP");
  try {
    assert.notEqual((await lanPing()).code, 0, "the drop policy really cuts the LANs off");
    const { code, doc } = await status();
    assert.equal(code, 3);
    const fwd = check(doc, "beta", "forward");
    assert.equal(fwd.status, "red");
    assert.match(fwd.detail, /^drops (eth1 -> wgB|wgB -> eth1)$/);
    assert.equal(fwd.hint, "dropped by: FORWARD policy drop; wgsite apply adds accepts for wgB, or now: iptables -I FORWARD -i wgB -j ACCEPT; iptables -I FORWARD -o wgB -j ACCEPT");
    await gw("beta", nowCommand(fwd.hint));
    await green();
    assert.ok(await eventually(async () => (await lanPing()).code === 0, 10_000), "the accepts let the LANs through again");
    await gw("beta", "iptables -D FORWARD -i wgB -j ACCEPT; iptables -D FORWARD -o wgB -j ACCEPT");
  } finally {
    await lab.inGateway("beta", "iptables -P FORWARD ACCEPT");
  }
  await green();
});

test("a wrong peer key in alpha's config: peer key red; wgsite apply rewrites it; green", { skip, timeout: 6 * MIN }, async () => {
  const betaKey = (await gw("beta", "wg show wgB public-key")).trim();
  const wrong = (await gw("alpha", "wg genkey | wg pubkey")).trim();
  await gw("alpha", `sed -i 's|^PublicKey = ${betaKey}$|PublicKey = ${wrong}|' /etc/wireguard/wgA.conf && grep -q '${wrong}' /etc/wireguard/wgA.conf && systemctl restart wg-quick@wgA`);
  const { code, doc } = await status();
  assert.equal(code, 3);
  const key = check(doc, "alpha", "peer-key");
  assert.equal(key.status, "red");
  assert.equal(key.detail, `${wrong.slice(0, 8)}…${wrong.slice(-4)} is not beta's`);
  assert.match(key.hint!, /: wgsite apply rewrites \/etc\/wireguard\/wgA\.conf/);
  assert.equal(check(doc, "beta", "handshake").status === "red" || check(doc, "alpha", "handshake").status === "red", true, "no handshake with the wrong key");
  const repaired = await wgsite(lab, ["--non-interactive", "-c", site]);
  assert.equal(repaired.code, 0, repaired.stderr);
  await green();
});

test("the live pane's probes: one command per gateway, then one request line and one report per tick; what a tick costs on the wire", { skip, timeout: 3 * MIN }, async () => {
  const script = fileURLToPath(new URL("./measure-tick.ts", import.meta.url));
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  const r = await lab.inNs(lab.operatorNs, [process.execPath, ...(isDeno ? ["run", "-A"] : []), script, site, lab.sshConfigFile], {
    env: { WGSITE_SUDO_PASSWORD_BETA: lab.gateways.beta.sudoPassword ?? "" },
    timeoutMs: 2 * MIN,
  });
  assert.equal(r.code, 0, r.stderr);
  const costs = JSON.parse(r.stdout) as Record<string, Record<"first" | "heavy" | "light", TickCost>>;
  console.error(`[status] tick cost: ${r.stdout.trim()}`);
  for (const [name, kinds] of Object.entries(costs)) {
    assert.equal(kinds.first.commands, 1, `${name}: the probe loop is one command`);
    assert.equal(kinds.heavy.commands + kinds.light.commands, 0, `${name}: later ticks start no command`);
    assert.ok(kinds.light.bytesIn < kinds.first.bytesIn, `${name}: unchanged sections come back as a checksum`);
    assert.ok(kinds.light.bytesOut < 400, `${name}: a tick's request is one short line (${kinds.light.bytesOut} bytes out)`);
  }
});

test("the live pane in a terminal: beta reboots, the pane says reconnecting, beta comes back by itself; q quits", { skip, timeout: 6 * MIN }, async () => {
  const argv = wgsiteArgv(["status", "-c", site, "--ssh-config", lab.sshConfigFile]);
  // A real pseudo-terminal (script(1)), 80 columns: raw mode, keys and the redraws as an operator sees them.
  const inner = `stty cols 80 rows 40; exec ${argv.map(quote).join(" ")}`;
  const child = spawn("ip", ["netns", "exec", lab.operatorNs, "script", "-qfec", inner, "/dev/null"], {
    env: { ...process.env, NO_COLOR: "1", TERM: "xterm-256color", WGSITE_SUDO_PASSWORD_BETA: lab.gateways.beta.sudoPassword ?? "" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let screen = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (screen += d.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const seen = (re: RegExp, ms: number) => eventually(async () => re.test(screen), ms, 250);
  try {
    assert.ok(await seen(/beta 10\.10\.11\.0\/24: up/, 60_000), `no green summary on screen:\n${screen.slice(-3000)}`);
    const mark = screen.length;
    await lab.restartGateway("beta");
    assert.ok(await eventually(async () => /reconnecting #\d/.test(screen.slice(mark)), 60_000, 250), `no "reconnecting" after the reboot:\n${screen.slice(-3000)}`);
    const back = screen.length;
    assert.ok(
      // The pane rewrites only the lines that changed: after the reboot, beta's "● live" and the summary's
      // "up, …" are written again.
      await eventually(async () => /● live|◌ full probe/.test(screen.slice(back)) && /up, [\d.]+ ms/.test(screen.slice(back)), 120_000, 500),
      `beta did not come back:\n${screen.slice(-3000)}`,
    );
    child.stdin!.write("q");
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("timeout"), 20_000))]);
    assert.equal(code, 0, `q did not end the pane:\n${screen.slice(-2000)}`);
    assert.deepEqual(await probeLoops(), [0, 0], "the probe loops ended on both gateways");
  } finally {
    child.kill("SIGKILL");
  }
});

/** Processes of the pane's probe loop (watch.ts) still running on each gateway. */
async function probeLoops(): Promise<number[]> {
  return (await eventually(async () => (await probeLoopsNow()).every((n) => n === 0), 10_000, 250)) ? [0, 0] : await probeLoopsNow();
}

/** The same count right now, without waiting for the loops to end. */
async function probeLoopsNow(): Promise<number[]> {
  return await Promise.all((["alpha", "beta"] as const).map(async (g) => Number((await lab.inGateway(g, "ps -eo args | grep -c '[r]ead -r kind ka kf'")).stdout.trim())));
}

test("SIGTERM ends the live pane like q: exit 143, the terminal back in cooked mode, no probe loop left on the gateways", { skip, timeout: 2 * MIN }, async () => {
  const argv = wgsiteArgv(["status", "-c", site, "--ssh-config", lab.sshConfigFile]);
  // exec keeps the shell's pid: the pid printed is wgsite's.
  const inner = `stty cols 100 rows 40; echo "pid=$$"; exec ${argv.map(quote).join(" ")}`;
  const child = spawn("ip", ["netns", "exec", lab.operatorNs, "script", "-qfec", `sh -c ${quote(inner)}; echo "exit=$?"; stty -a`, "/dev/null"], {
    env: { ...process.env, NO_COLOR: "1", TERM: "xterm-256color", WGSITE_SUDO_PASSWORD_BETA: lab.gateways.beta.sudoPassword ?? "" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let screen = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (screen += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  try {
    assert.ok(await eventually(async () => /beta 10\.10\.11\.0\/24: up/.test(screen), 60_000, 250), `no green summary:\n${screen.slice(-2000)}`);
    assert.ok((await probeLoopsNow()).every((n) => n > 0), "a probe loop runs on each gateway while the pane is open");
    const pid = Number(/pid=(\d+)/.exec(screen)?.[1]);
    process.kill(pid, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    assert.match(screen, /exit=143/, `wgsite's exit code:\n${screen.slice(-1500)}`);
    assert.match(screen, /\x1b\[\?25h/, "the cursor is shown again");
    assert.match(screen, /[^-]icanon/, `the terminal is back in cooked mode:\n${screen.slice(-1500)}`);
    assert.deepEqual(await probeLoops(), [0, 0], "the probe loops ended on both gateways");
  } finally {
    child.kill("SIGKILL");
  }
});
