/**
 * The wizard in a real terminal (tmux), against the lab's two bare gateways: from the first screen
 * to a verified tunnel by keystrokes, host keys confirmed by fingerprint and beta's sudo password
 * typed into the masked prompt; then the saved site file rerun with --non-interactive changes
 * nothing; then a run that fails half-way shows its failure screen and leaves the tunnel as it was.
 * WGSITE_SCREENS=docs/screens saves a text capture of each screen there (for the README).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { createLab, labSkipReason, type Lab } from "../lab/lab.ts";
import { wgsiteArgv } from "./run-wgsite.ts";

function tmuxMissing(): string | undefined {
  return spawnSync("tmux", ["-V"]).status === 0 ? undefined : "tmux missing (apt-get install tmux)";
}

const skip = labSkipReason() ?? tmuxMissing();
const SESSION = `wgsite-e2e-${process.pid}`;
const SCREENS = process.env.WGSITE_SCREENS ? resolve(process.env.WGSITE_SCREENS) : undefined;
let lab: Lab;
let work: string;
let knownHosts: string;
let sshConfig: string;

// An own tmux server, so other tmux users on the machine (or a benchmark) cannot disturb the sessions.
const SOCKET = `wgsite-e2e-${process.pid}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tmux(...args: string[]): string {
  const r = spawnSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** The screen as the person sees it, trailing blank lines dropped. */
function screen(): string {
  return tmux("capture-pane", "-p", "-t", SESSION).replace(/\s+$/, "");
}

async function waitFor(text: string | RegExp, timeoutMs = 20_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const seen = screen();
    if (typeof text === "string" ? seen.includes(text) : text.test(seen)) return seen;
    if (Date.now() > end) throw new Error(`timed out waiting for ${String(text)}; the screen:\n${seen}`);
    await sleep(100);
  }
}

/** Keys one at a time, as typed (a burst would reach the wizard as one paste). */
async function keys(...names: string[]): Promise<void> {
  for (const name of names) {
    tmux("send-keys", "-t", SESSION, name);
    await sleep(name === "Escape" ? 300 : 150);
  }
}

async function typeText(text: string): Promise<void> {
  tmux("send-keys", "-t", SESSION, "-l", text);
  await sleep(200);
}

/** Saves a capture for the README, with this run's temporary paths made stable. */
function save(name: string, text: string): void {
  if (!SCREENS) return;
  mkdirSync(SCREENS, { recursive: true });
  const stable = text.replaceAll(lab.dir, "~/lab").replaceAll(work, "~/sites").replace(/wgl-[0-9a-f]{5}/g, "wgl-lab");
  writeFileSync(join(SCREENS, `${name}.txt`), `${stable}\n`);
}

/** Starts the wizard in a fresh tmux window inside the operator namespace; its exit code lands in a file. */
function startWizard(args: readonly string[], env: Record<string, string> = {}): string {
  const exitFile = join(work, `exit-${Date.now()}`);
  const vars = Object.entries({ NO_COLOR: "1", ...env }).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const argv = wgsiteArgv([...args, "--ssh-config", sshConfig, "--known-hosts", knownHosts]).map((a) => JSON.stringify(a));
  const command = `cd ${JSON.stringify(work)} && ip netns exec ${lab.operatorNs} env ${vars.join(" ")} ${argv.join(" ")}; echo $? > ${exitFile}; stty -a > ${exitFile}.stty; sleep 600`;
  spawnSync("tmux", ["-L", SOCKET, "kill-session", "-t", SESSION]);
  // Killing the last session ends the tmux server; a new session started while it exits is refused
  // ("server exited unexpectedly", seen once in a full run): ask again.
  for (let attempt = 1; ; attempt++) {
    const r = spawnSync("tmux", ["-L", SOCKET, "new-session", "-d", "-s", SESSION, "-x", "110", "-y", "48", command], { encoding: "utf8" });
    if (r.status === 0) break;
    if (attempt === 5 || !/server exited/.test(r.stderr)) throw new Error(`tmux new-session: ${r.stderr}`);
    spawnSync("sleep", ["0.2"]);
  }
  return exitFile;
}

async function exitCodeOf(exitFile: string): Promise<number> {
  const end = Date.now() + 20_000;
  while (!existsSync(`${exitFile}.stty`) && Date.now() < end) await sleep(100);
  return Number(readFileSync(exitFile, "utf8").trim());
}

before(async () => {
  if (skip) return;
  lab = await createLab();
  // The LAN hosts have talked to their gateways, as on any LAN: verification and the pane ping them across.
  for (const side of ["alpha", "beta"] as const) await lab.inNs(lab.lanHosts[side].ns, ["ping", "-c1", "-W1", lab.gateways[side].lanIp]);
  work = mkdtempSync(join(tmpdir(), "wgsite-wizard-"));
  // An empty known_hosts: the wizard must show each host key's fingerprint and ask.
  knownHosts = join(work, "known_hosts");
  writeFileSync(knownHosts, "");
  // The lab's config says StrictHostKeyChecking yes (for OpenSSH's own use), which wgsite honours as ssh does:
  // the person at the wizard gets the question with OpenSSH's default (ask) instead.
  sshConfig = join(work, "ssh_config");
  writeFileSync(sshConfig, readFileSync(lab.sshConfigFile, "utf8").replaceAll("StrictHostKeyChecking yes", "StrictHostKeyChecking ask"));
});

after(async () => {
  spawnSync("tmux", ["-L", SOCKET, "kill-session", "-t", SESSION]);
  await lab?.teardown();
});

test("from the first screen to a verified tunnel, by keystrokes in a real terminal", { skip, timeout: 300_000 }, async () => {
  const exitFile = startWizard([]);
  save("1-sites", await waitFor("Name of the first site"));
  await keys("Enter", "Enter", "Enter", "Enter");
  save("2-tunnel", await waitFor("RFC 3021"));
  await keys("Enter", "Enter", "Enter", "Enter", "Enter", "Enter");
  await waitFor("alpha-gw  (root@192.0.2.1)");
  await keys("Enter");
  await waitFor(/› Public endpoint of alpha: 192\.0\.2\.1/);
  await keys("Enter");
  await waitFor(/› SSH target of beta's gateway/);
  await keys("Down");
  const gateways = await waitFor("Public endpoint of beta: 192.0.2.2");
  save("3-gateways", gateways);
  await keys("Enter");
  await waitFor(/› Public endpoint of beta: 192\.0\.2\.2/);
  await keys("Enter");

  // Both gateways are new to the empty known_hosts: one question each, with the fingerprint.
  const asked = new Set<string>();
  for (;;) {
    const seen = await waitFor(/Trust this key|asks for a password|Both gateways are ready/, 30_000);
    const host = /(\w+): [\d.]+:\d+ is not in your known_hosts/.exec(seen)?.[1];
    if (!host) break;
    if (asked.has(host)) {
      await sleep(100);
      continue;
    }
    assert.match(seen, /key fingerprint is SHA256:[A-Za-z0-9+/]{43}/);
    if (asked.size === 0) save("4-host-key", seen);
    asked.add(host);
    await keys("y");
  }
  assert.deepEqual([...asked].sort(), ["alpha", "beta"]);
  await waitFor("sudo on beta (beta-gw) asks for a password", 30_000);
  await typeText(lab.gateways.beta.sudoPassword!);
  const sudo = await waitFor(/sudo password: \*{12}/);
  assert.ok(!sudo.includes(lab.gateways.beta.sudoPassword!), "the password never reaches the screen");
  save("5-sudo", sudo);
  await keys("Enter");

  const facts = await waitFor("Both gateways are ready", 60_000);
  assert.match(facts, /privileges {2}logged in as root/);
  assert.match(facts, /privileges {2}sudo with a password/);
  save("6-facts", facts);
  await keys("Enter");
  const review = await waitFor("Apply the plan to both gateways");
  assert.match(review, /\+ \[Interface\]/);
  save("7-review", review);
  // On an 80x24 terminal the plan scrolls by itself; the header, the choices and the keys stay in view.
  tmux("resize-window", "-t", SESSION, "-x", "80", "-y", "24");
  const short = await waitFor(/lines 1–\d+ of \d+ {2}· {2}▼ \d+ more \(PgDn\)/);
  assert.match(short, /^wgsite {2}1 Sites/);
  assert.match(short, /Steps on alpha/);
  assert.match(short, /› Apply the plan to both gateways\n {2}Go back and change the answers\n\n↑\/↓ Enter choose/);
  assert.ok(short.split("\n").length <= 24);
  save("7-review-80x24", short);
  await keys("NPage");
  const scrolled = await waitFor(/▲ \d+ more \(PgUp\)/);
  assert.doesNotMatch(scrolled, /Steps on alpha/);
  tmux("resize-window", "-t", SESSION, "-x", "110", "-y", "48");
  await waitFor(/Steps on alpha[\s\S]*Endpoint = 192\.0\.2\.2:51000[\s\S]*› Apply the plan/);
  await keys("Enter");

  const applying = await waitFor(/Applying the plan|\[6 Done\]/, 30_000);
  if (applying.includes("Applying")) save("8-apply", applying);
  const done = await waitFor("Save the site file as", 240_000);
  assert.match(done, /Tunnel alpha <-> beta is up and verified/);
  assert.match(done, /✔ handshake/);
  assert.match(done, /✔ lan-host: 10\.10\.11\.10 [\d.]+ ms/);
  save("9-done", done);
  await keys("Enter");
  // Saved, the wizard is over and the live pane of `wgsite status` takes over below it, on the same connections.
  await waitFor("Site file saved");
  // Both columns: alpha's key check waits for beta's first answer, which may come a tick after alpha's.
  const live = await waitFor(/alpha 10\.10\.10\.0\/24 <-> beta 10\.10\.11\.0\/24: up, [\d.]+ ms[\s\S]*(● live|◌ full probe)[\s\S]*✔ peer key +matches beta/, 30_000);
  // The pane's first full probe pings the hosts heard on the other LAN too.
  assert.match(await waitFor(/LAN host +10\.10\.11\.10 [\d.]+ ms/, 30_000), /LAN host +10\.10\.10\.10 [\d.]+ ms/);
  assert.match(live, /q quit {2}· {2}r refresh now/);
  await sleep(3000);
  save("10-status", screen());
  await keys("q");
  assert.equal(await exitCodeOf(exitFile), 0);
  assert.match(readFileSync(`${exitFile}.stty`, "utf8"), /(^|\s)icanon(\s|$)/, "the terminal is back in cooked mode");

  const ping = await lab.inNs(lab.lanHosts.alpha.ns, ["ping", "-c1", "-W2", lab.lanHosts.beta.ip]);
  assert.equal(ping.code, 0, "alpha's LAN reaches beta's");
});

test("the saved site file reproduces the result with --non-interactive: 0 changes", { skip, timeout: 300_000 }, async () => {
  const siteFile = join(work, "alpha-beta.yaml");
  assert.match(readFileSync(siteFile, "utf8"), /^# rerun without questions: wgsite --non-interactive -c \.\/alpha-beta\.yaml/m);
  const r = await lab.inNs(lab.operatorNs, wgsiteArgv(["--non-interactive", "-c", siteFile, "--json", "--ssh-config", sshConfig, "--known-hosts", knownHosts]), {
    env: { NO_COLOR: "1", WGSITE_SUDO_PASSWORD_BETA: lab.gateways.beta.sudoPassword ?? "" },
    timeoutMs: 240_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { ok: boolean; gateways: { changed: boolean }[] };
  assert.ok(report.ok);
  assert.deepEqual(report.gateways.map((g) => g.changed), [false, false]);
});

test("a run cut half-way shows the failure screen, rolls back, and Ctrl-C leaves with exit 1", { skip, timeout: 300_000 }, async () => {
  // Another port makes both configs change; the gateway then drops the connection after beta's config step.
  const siteFile = join(work, "alpha-beta.yaml");
  const other = join(work, "other-port.yaml");
  writeFileSync(other, readFileSync(siteFile, "utf8").replace("port: 51000", "port: 51001"));
  const exitFile = startWizard(["-c", other], { WGSITE_TEST_CUT_AFTER: "beta:config", WGSITE_SUDO_PASSWORD_BETA: lab.gateways.beta.sudoPassword ?? "" });
  await waitFor("Name of the first site");
  for (let i = 0; i < 4 + 6 + 4; i++) await keys("Enter");
  await waitFor("Both gateways are ready", 60_000);
  await keys("Enter");
  await waitFor("Apply the plan to both gateways");
  await keys("Enter");
  const failed = await waitFor("What to do", 240_000);
  assert.match(failed, /✖ beta/);
  assert.match(failed, /Rollback \(all or nothing\)/);
  save("11-failure", failed);
  await keys("C-c");
  assert.equal(await exitCodeOf(exitFile), 1);
  const config = await lab.inGateway("alpha", "grep ListenPort /etc/wireguard/wgA.conf");
  assert.match(config.stdout, /ListenPort = 51000/, "alpha's config is as it was");
});

test("Ctrl-C on the first screen quits at once and restores the terminal", { skip, timeout: 60_000 }, async () => {
  const exitFile = startWizard([]);
  await waitFor("Name of the first site");
  await keys("C-c");
  assert.equal(await exitCodeOf(exitFile), 130);
  assert.match(readFileSync(`${exitFile}.stty`, "utf8"), /(^|\s)icanon(\s|$)/);
  assert.match(readFileSync(`${exitFile}.stty`, "utf8"), /(^|\s)echo(\s|$)/);
});
