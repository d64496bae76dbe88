import type { Op } from "../../src/core/plan-types.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { HostFacts } from "../../src/core/host-facts.ts";
import { loadSite } from "../../src/core/load-site.ts";
import { plan } from "../../src/core/plan.ts";
import { removalSteps } from "../../src/core/removal.ts";
import { reresolveFiles, reresolveScript, reresolveSteps, removeJobCommand } from "../../src/core/reresolve.ts";
import type { Site } from "../../src/core/site.ts";

const fresh = JSON.parse(readFileSync(new URL("../fixtures/facts/fresh-debian.json", import.meta.url), "utf8")) as HostFacts;

function siteWith(alphaEndpoint: string, betaEndpoint: string): Site {
  const r = loadSite(`tunnel:
  network: 10.10.9.0/31
  port: 51000
sites:
  alpha:
    lan: [10.10.10.0/24]
    endpoint: ${alphaEndpoint}
    interface: wgA
    ssh: root@192.0.2.1
  beta:
    lan: [10.10.11.0/24]
    endpoint: ${betaEndpoint}
    interface: wgB
    ssh: root@192.0.2.2
`);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.site;
}

const named = siteWith("192.0.2.1", "beta.lab.example:51001");

test("the site file takes DNS names as endpoints, with or without a port", () => {
  assert.deepEqual(named.sites[1].endpoint, { host: "beta.lab.example", port: 51001 });
  assert.deepEqual(siteWith("alpha.lab.example", "192.0.2.2").sites[0].endpoint, { host: "alpha.lab.example", port: 51000 });
});

test("address endpoints: no job, no steps", () => {
  const s = siteWith("192.0.2.1", "192.0.2.2");
  assert.deepEqual(reresolveFiles(s, 0, "systemd"), []);
  assert.deepEqual(reresolveSteps(s, 0, fresh), []);
  assert.deepEqual(reresolveSteps(s, 0, undefined), []);
});

test("systemd: script, service, timer every 30 s, and the boot drop-in for wg-quick@", () => {
  const files = reresolveFiles(named, 0, "systemd");
  assert.deepEqual(files.map((f) => [f.path, f.mode]), [
    ["/usr/local/sbin/wgsite-reresolve-wgA", "0755"],
    ["/etc/systemd/system/wgsite-reresolve-wgA.service", "0644"],
    ["/etc/systemd/system/wgsite-reresolve-wgA.timer", "0644"],
    ["/etc/systemd/system/wg-quick@wgA.service.d/wgsite-dns.conf", "0644"],
  ]);
  assert.ok(files.every((f) => f.content.split("\n").slice(0, 2).some((l) => l.startsWith("# managed by wgsite"))));
  assert.equal(
    files[3]!.content,
    `# managed by wgsite: beta's endpoint beta.lab.example on wgA is a DNS name, so wg-quick@wgA waits for the network
# and for the name (at most 30 s a try), and is started again every 10 s until it resolves.
[Unit]
After=network-online.target nss-lookup.target
Wants=network-online.target nss-lookup.target
StartLimitIntervalSec=0

[Service]
ExecStartPre=/usr/local/sbin/wgsite-reresolve-wgA --wait 30
Restart=on-failure
RestartSec=10
`,
  );
  assert.match(files[2]!.content, /^OnActiveSec=30\nOnUnitActiveSec=30\n/m);
  assert.match(files[2]!.content, /^WantedBy=timers.target$/m);
  assert.match(files[1]!.content, /^ExecStart=\/usr\/local\/sbin\/wgsite-reresolve-wgA$/m);
  assert.match(files[0]!.content, /^IF=wgA\nNAME=beta\.lab\.example\nPORT=51001\nSTALE=135$/m);
  // Only beta's side is a name: beta needs nothing.
  assert.deepEqual(reresolveFiles(named, 1, "systemd"), []);
});

test("OpenRC: the same script, a looping service after wg-quick.<if>, and wg-quick's conf.d that retries the name", () => {
  const files = reresolveFiles(named, 0, "openrc");
  assert.deepEqual(files.map((f) => [f.path, f.mode]), [
    ["/usr/local/sbin/wgsite-reresolve-wgA", "0755"],
    ["/etc/init.d/wgsite-reresolve.wgA", "0755"],
    ["/etc/conf.d/wg-quick.wgA", "0644"],
  ]);
  assert.equal(files[0]!.content, reresolveFiles(named, 0, "systemd")[0]!.content);
  assert.match(files[1]!.content, /^#!\/sbin\/openrc-run\n/);
  assert.match(files[1]!.content, /^command_args="--every 30"$/m);
  assert.match(files[1]!.content, /^\tafter wg-quick\.wgA$/m);
  assert.match(files[2]!.content, /^export WG_ENDPOINT_RESOLUTION_RETRIES=infinity$/m);
  for (const f of files.filter((f) => f.mode === "0755")) assert.equal(spawnSync("sh", ["-n"], { input: f.content }).status, 0, `${f.path} parses`);
});

/** Runs the job's script against stand-ins for wg and getent that log what they were asked. */
function runJob(state: { handshakeAge: number; endpoint: string; resolves: string[] }, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), "wgsite-reresolve-"));
  try {
    const now = Math.floor(Date.now() / 1000);
    writeFileSync(
      join(dir, "wg"),
      `#!/bin/sh
echo "wg $*" >> ${dir}/log
case "$2 $3" in
  "wgA latest-handshakes") printf 'KEY=\\t%s\\n' ${state.handshakeAge < 0 ? 0 : now - state.handshakeAge} ;;
  "wgA endpoints") printf 'KEY=\\t%s\\n' '${state.endpoint}' ;;
esac
`,
    );
    writeFileSync(join(dir, "getent"), `#!/bin/sh\n${state.resolves.map((a) => `echo "${a}  STREAM $2"; echo "${a}  DGRAM"`).join("\n")}\n[ -n "${state.resolves.join("")}" ]\n`);
    chmodSync(join(dir, "wg"), 0o755);
    chmodSync(join(dir, "getent"), 0o755);
    writeFileSync(join(dir, "job"), reresolveScript("wgA", "beta.lab.example", 51000, "beta"));
    const r = spawnSync("sh", [join(dir, "job"), ...args], { encoding: "utf8", env: { PATH: `${dir}:/usr/bin:/bin` } });
    let log = "";
    try {
      log = readFileSync(join(dir, "log"), "utf8");
    } catch {}
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, sets: log.split("\n").filter((l) => l.startsWith("wg set")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the job: a stale handshake and a new address move the peer; an address the name still has is kept; fresh, nothing", () => {
  const moved = runJob({ handshakeAge: 200, endpoint: "192.0.2.2:51000", resolves: ["192.0.2.22"] });
  assert.deepEqual(moved.sets, ["wg set wgA peer KEY= endpoint 192.0.2.22:51000"]);
  assert.equal(moved.stdout, "wgsite-reresolve: wgA: beta.lab.example is 192.0.2.22 now; endpoint 192.0.2.2:51000 -> 192.0.2.22:51000\n");
  assert.deepEqual(runJob({ handshakeAge: 20, endpoint: "192.0.2.2:51000", resolves: ["192.0.2.22"] }).sets, [], "fresh handshake: left alone");
  const same = runJob({ handshakeAge: 200, endpoint: "192.0.2.2:51000", resolves: ["192.0.2.22", "192.0.2.2"] });
  assert.deepEqual(same.sets, ["wg set wgA peer KEY= endpoint 192.0.2.2:51000"], "still one of its addresses: kept, set again (a fresh source address)");
  assert.equal(same.stdout, "", "nothing to log");
  assert.deepEqual(runJob({ handshakeAge: -1, endpoint: "(none)", resolves: ["192.0.2.22"] }).sets, ["wg set wgA peer KEY= endpoint 192.0.2.22:51000"], "never a handshake, no endpoint");
  assert.deepEqual(runJob({ handshakeAge: 200, endpoint: "[2001:db8::2]:51000", resolves: ["2001:db8::3"] }).sets, ["wg set wgA peer KEY= endpoint [2001:db8::3]:51000"]);
  const silent = runJob({ handshakeAge: 200, endpoint: "192.0.2.2:51000", resolves: [] });
  assert.deepEqual(silent.sets, []);
  assert.equal(silent.stderr, "wgsite-reresolve: beta.lab.example does not resolve; wgA keeps its endpoint\n");
});

test("the job's --wait: 0 as soon as the name resolves, 1 with a reason when it does not in time", () => {
  assert.equal(runJob({ handshakeAge: 0, endpoint: "", resolves: ["192.0.2.2"] }, ["--wait", "5"]).code, 0);
  const late = runJob({ handshakeAge: 0, endpoint: "", resolves: [] }, ["--wait", "1"]);
  assert.equal(late.code, 1);
  assert.match(late.stderr, /beta\.lab\.example does not resolve yet; wg-quick@wgA is started again in 10 s/);
});

test("plan: one step before the unit installs the job; nothing to do once the files are there; it goes when the endpoint becomes an address", () => {
  const steps = plan({ site: named, facts: [fresh, fresh], runId: "r1" }).gateways[0].steps;
  const ids = steps.map((s) => s.id);
  assert.equal(ids.indexOf("reresolve"), ids.indexOf("unit") - 1);
  const step = steps.find((s) => s.id === "reresolve")!;
  assert.equal(step.title, "Install the endpoint re-resolution job for beta.lab.example (wgsite-reresolve-wgA.timer, every 30 s)");
  assert.equal(step.noop, undefined);
  const sh = (ops: readonly Op[]) => ops.map((o) => (o.op === "run" ? o.sh : o.op === "write" || o.op === "restore" ? `${o.op} ${o.path}` : o.op)).join("\n");
  assert.match(sh(step.ops), /systemctl daemon-reload && systemctl enable -q wgsite-reresolve-wgA\.timer && systemctl restart wgsite-reresolve-wgA\.timer$/);
  assert.match(sh(step.ops), /^write \/usr\/local\/sbin\/wgsite-reresolve-wgA$/m);
  const script = step.ops.find((o) => o.op === "write" && o.path === "/usr/local/sbin/wgsite-reresolve-wgA");
  assert.equal(script?.op === "write" && script.mode, "0755");
  assert.match(sh(step.undo), /^systemctl disable -q --now wgsite-reresolve-wgA\.timer/);
  assert.match(sh(step.undo), /^restore \/etc\/systemd\/system\/wg-quick@wgA\.service\.d\/wgsite-dns\.conf$/m);
  assert.equal(plan({ site: named, facts: [fresh, fresh], runId: "r1" }).gateways[1].steps.some((s) => s.id === "reresolve"), false);

  const installed: HostFacts = { ...fresh, files: { ...fresh.files, ...Object.fromEntries(reresolveFiles(named, 0, "systemd").map((f) => [f.path, f.content])) } };
  assert.equal(reresolveSteps(named, 0, installed)[0]!.noop, "wgsite-reresolve-wgA job already installed for beta.lab.example");

  const addressAgain = siteWith("192.0.2.1", "192.0.2.2");
  const [gone] = reresolveSteps(addressAgain, 0, installed);
  assert.equal(gone!.title, "Remove the endpoint re-resolution job of wgA (the endpoint is an address now)");
  assert.deepEqual(gone!.ops, [{ op: "run", sh: removeJobCommand("wgA", "systemd") }]);
  assert.match(removeJobCommand("wgA", "systemd"), /^systemctl disable -q --now wgsite-reresolve-wgA\.timer >\/dev\/null 2>&1; \{ ! grep -qs '\^# managed by wgsite' \/usr\/local\/sbin\/wgsite-reresolve-wgA \|\| rm -f \/usr\/local\/sbin\/wgsite-reresolve-wgA; \}/);
});

test("remove takes the job away, found by its mark", () => {
  const journal = { managedBy: "wgsite", version: 1, interface: "wgA", site: "alpha", firstRun: "r1", lastRun: "r1", before: { unitEnabled: false, unitActive: false, ipForward: false, configExisted: false, keyExisted: false, pskExisted: false }, created: [], backups: [] };
  const installed: HostFacts = { ...fresh, journal, files: { ...fresh.files, ...Object.fromEntries(reresolveFiles(named, 0, "systemd").map((f) => [f.path, f.content])) } } as HostFacts;
  const { steps } = removalSteps("wgA", installed, false);
  assert.deepEqual(steps.find((s) => s.id === "reresolve")?.ops, [{ op: "run", sh: removeJobCommand("wgA", "systemd") }]);
  assert.equal(removalSteps("wgA", { ...installed, files: {} }, false).steps.some((s) => s.id === "reresolve"), false);
});

test("rotate: a new key made beside the old one kept aside, both peers' keys bound again, taken live", () => {
  const s = siteWith("192.0.2.1", "192.0.2.2");
  const running = (key: string, config?: string): HostFacts => ({ ...fresh, publicKey: key, unit: { enabled: true, active: true }, interfaceUp: true, existingConfig: config });
  const [ka, kb] = ["A".repeat(43) + "=", "B".repeat(43) + "="];
  // The configs a converged apply left: what the rotation changes.
  const converged = plan({ site: s, facts: [running(ka), running(kb)], runId: "r8" }).gateways.map((g) => g.files[0]!.content);
  const first = plan({ site: s, facts: [running(ka, converged[0]), running(kb, converged[1])], runId: "r9", rotate: { psk: false } });
  const alpha = first.gateways[0];
  const keys = alpha.steps.find((s) => s.id === "keys")!;
  assert.deepEqual(keys.ops, [{ op: "move", from: "/etc/wireguard/wgA.key", to: "/etc/wireguard/wgA.key.wgsite-backup-r9" }, { op: "genkey", path: "/etc/wireguard/wgA.key" }]);
  assert.deepEqual(keys.undo[0], { op: "move", from: "/etc/wireguard/wgA.key.wgsite-backup-r9", to: "/etc/wireguard/wgA.key" });
  assert.equal(alpha.bindings.length, 1, "the peer's new public key is bound from its prepare phase");
  assert.equal(alpha.traffic.effect, "live");
  assert.ok(alpha.steps.some((s) => s.ops.some((o) => o.op === "reload-peers")));
  assert.ok(!alpha.steps.some((s) => s.ops.some((o) => o.op === "unit" && o.action !== "enable")), "no restart");
});
