import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { cleanup } from "ink-testing-library";
import { ExitCode, ExitError } from "../../src/core/exit-codes.ts";
import type { HostFacts } from "../../src/core/host-facts.ts";
import { renderConfig } from "../../src/core/render-config.ts";
import type { Secret } from "../../src/core/secret.ts";
import type { ApplyEvent, ApplyReport } from "../../src/remote/events.ts";
import type { Prompts } from "../../src/remote/prompts.ts";
import { flat, frame, frameWhere, frameWith, KEY, lastFrameWith, press } from "./helpers/drive.ts";
import { fakeServices, scriptedApply } from "./helpers/fake-services.ts";
import { FRESH, FRESH_BETA, filledSite, filledState } from "./helpers/fixtures.ts";
import { renderWizard } from "./helpers/render-wizard.tsx";

afterEach(() => cleanup());

/** The wizard on its gateways screen, last field focused: one Enter connects. */
const atGateways = () => filledState({ screen: "gateways", focus: "endpoint1" });

const HOST_KEY = { label: "alpha", host: "192.0.2.1", port: 22, keyType: "ssh-ed25519", fingerprint: "SHA256:Qx1kC2P6sV0iJ3b8G1tq8W7yR3m5pN2aZ4dF6hL9uE0", otherKnownTypes: [] };

test("connecting: an unknown host key shows its SHA256 fingerprint; sudo asks with a masked input; then the facts", async () => {
  let secret: Secret | undefined;
  let trusted: boolean | undefined;
  const services = fakeServices({
    connect: async (site, prompts, emit) => {
      for (const def of site.sites) emit({ type: "connecting", site: def.name, target: def.ssh });
      trusted = await prompts.onUnknownHost(HOST_KEY);
      emit({ type: "facts", site: "alpha", facts: FRESH });
      secret = await prompts.sudoPassword("beta");
      emit({ type: "facts", site: "beta", facts: FRESH_BETA });
      return { facts: [FRESH, FRESH_BETA], blockers: [] };
    },
  });
  const { r } = renderWizard(atGateways(), services);
  await frameWith(r, "Public endpoint of beta");
  await press(r, KEY.enter);
  const hostKey = await frameWith(r, "not in your known_hosts");
  assert.match(hostKey, /ssh-ed25519 key fingerprint is SHA256:Qx1kC2P6sV0iJ3b8G1tq8W7yR3m5pN2aZ4dF6hL9uE0/);
  assert.match(hostKey, /ssh-keygen -lf \/etc\/ssh\/ssh_host_ed25519_key\.pub/);
  assert.match(hostKey, /Trust this key and record it in known_hosts\? \(y\/n\)/);
  assert.match(hostKey, /connecting, gathering facts/);
  await press(r, "y");
  const sudo = await frameWith(r, "sudo on beta (beta-gw) asks for a password");
  assert.match(sudo, /never shown or saved/);
  await press(r, "l", "a", "b", "p", "a", "s", "s");
  const masked = await frameWith(r, "sudo password: *******");
  assert.doesNotMatch(masked, /labpass/);
  await press(r, KEY.enter);
  const facts = await frameWith(r, "Both gateways are ready");
  assert.equal(trusted, true);
  assert.equal(secret?.reveal(), "labpass");
  assert.match(facts, /alpha via alpha-gw\n {2}OS {10}Debian GNU\/Linux 12 \(bookworm\)\n {2}init {8}systemd\n/);
  assert.match(flat(facts), /WireGuard +not installed; wgsite installs it, to run on wireguard-go, as the kernel has no WireGuard module/);
  assert.match(facts, /privileges {2}logged in as root/);
  assert.match(facts, /privileges {2}sudo with a password/);
  assert.match(facts, /existing {4}none at \/etc\/wireguard\/wgB\.conf/);
  await press(r, KEY.enter);
  await frameWith(r, "[4 Review]");
});

test("a refused host key ends the connection with its message; Enter tries again", async () => {
  let attempts = 0;
  const services = fakeServices({
    connect: async (site, prompts, emit) => {
      attempts++;
      if (attempts === 1) {
        if (!(await prompts.onUnknownHost(HOST_KEY))) throw new ExitError(ExitCode.HostKeyRefused, "host key of alpha (192.0.2.1:22) was not accepted");
      }
      emit({ type: "facts", site: site.sites[0].name, facts: FRESH });
      emit({ type: "facts", site: site.sites[1].name, facts: FRESH_BETA });
      return { facts: [FRESH, FRESH_BETA], blockers: [] };
    },
  });
  const { r } = renderWizard(atGateways(), services);
  await press(r, KEY.enter);
  await frameWith(r, "Trust this key");
  await press(r, "n");
  const failed = await frameWith(r, "was not accepted");
  assert.match(failed, /Could not get both gateways ready/);
  assert.match(failed, /What to do: fix the cause above \(or the answers: Esc goes back\), then press Enter to try again\./);
  await press(r, KEY.enter);
  await frameWith(r, "Both gateways are ready");
  assert.deepEqual(services.calls.filter((c) => c === "connect" || c === "disconnect"), ["connect", "disconnect", "connect"]);
});

test("a conflict found on a gateway keeps the plan closed and says how to fix it", async () => {
  const services = fakeServices({
    connect: async () => ({ facts: [FRESH, FRESH_BETA], blockers: [{ path: "sites.alpha", message: "UDP port 51000 is already in use on the gateway by another program; set tunnel.port to 51001" }] }),
  });
  const { r } = renderWizard(atGateways(), services);
  await press(r, KEY.enter);
  const blocked = await frameWith(r, "Refusing to change anything");
  assert.match(blocked, /✖ sites\.alpha: UDP port 51000 is already in use/);
  assert.match(blocked, /Esc goes back to change the answers/);
  await press(r, KEY.enter);
  assert.match(frame(r), /\[3 Gateways\]/);
  await press(r, KEY.esc);
  await frameWith(r, "› Public endpoint of beta");
});

test("review: each gateway's steps, the config as a diff against the gateway's, warnings with their fix; ←/→ switches", async () => {
  const site = filledSite();
  const old = renderConfig({ site, index: 0, peerPublicKey: "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=", backend: "none" }).content.replace("ListenPort = 51000", "ListenPort = 51820");
  const alpha: HostFacts = { ...FRESH, existingConfig: `# managed by wgsite\n${old}`, udpPortsInUse: [51000] };
  const services = fakeServices({ connect: async () => ({ facts: [alpha, FRESH_BETA], blockers: [] }) });
  const { r } = renderWizard(atGateways(), services);
  await press(r, KEY.enter);
  await frameWith(r, "Both gateways are ready");
  await press(r, KEY.enter);
  const review = await frameWith(r, "Plan for [alpha]");
  assert.match(review, /Steps on alpha \(5 to run\):\n {2}1\. Install wireguard-tools, wireguard-go, iptables\n/);
  assert.match(review, /\/etc\/wireguard\/wgA\.conf \(mode 0600, changes\)/);
  assert.match(review, /^- # managed by wgsite$/m);
  assert.match(review, /^- ListenPort = 51820$/m);
  assert.match(review, /^\+ ListenPort = 51000$/m);
  assert.match(review, /^ {2}Address = 10\.10\.9\.0\/31$/m, "unchanged lines are context");
  assert.match(review, /Warnings:\n {2}! UDP port 51000 is already in use\n {4}fix: pick a free port in tunnel\.port or the endpoint's :port/);
  assert.match(review, /Nothing has been changed yet\.\n› Apply the plan to both gateways\n {2}Go back and change the answers/);
  assert.equal(services.calls.includes("apply"), false);
  await press(r, KEY.right);
  const beta = await frameWith(r, "Plan for  alpha  [beta]");
  assert.match(beta, /\/etc\/wireguard\/wgB\.conf \(mode 0600, new file\)\n\+ \[Interface\]/);
  assert.match(beta, /^\+ PublicKey = <alpha public key>$/m);
  await press(r, KEY.down, KEY.enter);
  await frameWith(r, "› Public endpoint of beta");
  assert.deepEqual(services.calls, ["connect", "disconnect"]);
});

const EVENTS: readonly ApplyEvent[] = [
  { type: "step-start", site: "alpha", step: "install", title: "Install wireguard-tools, wireguard-go, iptables" },
  { type: "step-start", site: "beta", step: "install", title: "Install wireguard-tools, wireguard-go, iptables" },
  { type: "step-done", site: "alpha", step: "install", title: "Install wireguard-tools, wireguard-go, iptables", ms: 2900, changed: true },
  { type: "step-done", site: "beta", step: "install", title: "Install wireguard-tools, wireguard-go, iptables", ms: 3100, changed: true },
  { type: "step-start", site: "alpha", step: "keys", title: "Generate the private key /etc/wireguard/wgA.key on the gateway" },
  { type: "step-done", site: "alpha", step: "keys", title: "Generate the private key /etc/wireguard/wgA.key on the gateway", ms: 40, changed: true },
];

async function toApply(services: ReturnType<typeof fakeServices>) {
  const { r, exits } = renderWizard(atGateways(), services);
  await press(r, KEY.enter);
  await frameWith(r, "Both gateways are ready");
  await press(r, KEY.enter);
  await frameWith(r, "Apply the plan to both gateways");
  await press(r, KEY.enter);
  return { r, exits };
}

test("apply: two columns, a mark and a duration per step; success leads to the verification, the saved file and the rerun command", async () => {
  const report: ApplyReport = {
    ok: true,
    gateways: [
      { site: "alpha", interface: "wgA", changed: true, steps: [], checks: [] },
      { site: "beta", interface: "wgB", changed: true, steps: [], checks: [] },
    ],
  };
  const checks: ApplyEvent[] = [
    { type: "check", site: "alpha", id: "handshake", ok: true, detail: "0 s ago" },
    { type: "check", site: "beta", id: "tunnel-ping", ok: true, detail: "10.10.9.0" },
    { type: "check", site: "beta", id: "lan-host", ok: false, warning: true, detail: "10.10.10.10 does not answer: if it answers pings at all, its route back to 10.10.11.1 must go via 10.10.10.1, the other gateway" },
  ];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const services = fakeServices({
    apply: async (site, emit) => {
      await scriptedApply(EVENTS, report)(site, emit);
      await held;
      return scriptedApply(checks, report)(site, emit);
    },
  });
  const { r, exits } = await toApply(services);
  const running = await frameWith(r, "40ms");
  assert.match(running, /Applying the plan to both gateways…/);
  assert.match(running, /alpha \(alpha-gw\) +beta \(beta-gw\)/);
  assert.match(running, /✔ 2\.9s {3}Install wireguard-tools, wireguard-go,… +✔ 3\.1s {3}Install wireguard-tools/);
  assert.match(running, /✔ 40ms {3}Generate the private key \/etc\/wireguar… +· {8}Generate/);
  assert.match(running, /· {8}Verify the tunnel +· {8}Verify the tunnel/);
  release();
  const done = await frameWith(r, "[6 Done]");
  assert.match(done, /✔ Tunnel alpha <-> beta is up and verified \(2 gateways changed\)\./);
  assert.match(done, /✔ handshake: 0 s ago/);
  assert.match(done, /✔ tunnel-ping: 10\.10\.9\.0/);
  assert.match(done, /! lan-host: 10\.10\.10\.10 does not answer/, "a silent LAN host is a warning on a verified tunnel");
  assert.match(done.replace(/\s+/g, " "), /! beta: lan-host: 10\.10\.10\.10 does not answer: if it answers pings at all, its route back to 10\.10\.11\.1 must go via 10\.10\.10\.1, the other gateway/, "its advice whole, below the columns");
  assert.match(done, /› Save the site file as: \.\/alpha-beta\.yaml/);
  assert.ok(services.calls.includes("release"), "the gateways' locks are freed when the run is over");
  await press(r, KEY.enter);
  // The wizard ends on saving (the live pane takes over): its last drawn frame is the one to read.
  const saved = await lastFrameWith(r, "Site file saved");
  assert.match(saved, /Site file saved: \/work\/alpha-beta\.yaml/);
  assert.match(saved, /wgsite --non-interactive -c \/work\/alpha-beta\.yaml --ssh-config \/lab\/ssh_config/);
  assert.match(flat(saved), /Watch the tunnel live with: wgsite status -c \/work\/alpha-beta\.yaml --ssh-config \/lab\/ssh_config/);
  assert.match(services.saved.get("./alpha-beta.yaml") ?? "", /^ {4}ssh: alpha-gw$/m);
  // Saved, the wizard is over: it exits 0 and names the site whose live pane takes over (run-wizard.tsx).
  assert.deepEqual(exits.map((e) => [e.code, e.watch?.sites.map((s) => s.name)]), [[0, ["alpha", "beta"]]]);
});

test("apply: a failed step shows the gateway, the step, its error output, the rollback and what to do", async () => {
  const failed: ApplyEvent = { type: "step-failed", site: "beta", step: "unit", title: "Enable and start wg-quick@wgB", ms: 130, output: "Job for wg-quick@wgB.service failed.\nRTNETLINK answers: Operation not supported" };
  const services = fakeServices({
    apply: scriptedApply([...EVENTS, { type: "step-start", site: "beta", step: "unit", title: "Enable and start wg-quick@wgB" }, failed], {
      ok: false,
      gateways: [],
      error: 'beta: step "unit" failed',
      rolledBack: ["alpha: rolled back 4 steps", "beta: rolled back 4 steps"],
    }),
  });
  const { r } = await toApply(services);
  const shown = await frameWith(r, "What to do");
  assert.match(shown, /The run stopped\./);
  assert.match(shown, /· {8}Enable and start wg-quick@wgA +✖ 130ms {2}Enable and start wg-quick@wgB/);
  assert.match(shown, /✖ beta: Enable and start wg-quick@wgB failed/);
  assert.match(shown, /RTNETLINK answers: Operation not supported/);
  assert.match(shown, /Rollback \(all or nothing\):[\s│]+alpha: rolled back 4 steps/);
  assert.match(flat(shown), /What to do: wg-quick could not bring wgB up: on beta, journalctl -u wg-quick@wgB tells why/);
  await press(r, KEY.enter);
  await frameWith(r, "Both gateways are ready");
  assert.deepEqual(services.calls.filter((c) => c === "connect").length, 2, "Enter connects again for a fresh plan");
});

test("Ctrl-C during apply asks first; n keeps going, y leaves with exit 1", async () => {
  const services = fakeServices({ apply: () => new Promise<ApplyReport>(() => undefined) });
  const { r, exits } = await toApply(services);
  await frameWith(r, "Applying the plan");
  await press(r, KEY.ctrlC);
  const asked = await frameWith(r, "Leave anyway?");
  assert.match(asked, /may leave them half-configured/);
  await press(r, "n");
  await frameWhere(r, (f) => !f.includes("Leave anyway?"));
  assert.equal(exits.length, 0);
  await press(r, KEY.ctrlC);
  await frameWith(r, "Leave anyway?");
  await press(r, "y");
  await new Promise((done) => setTimeout(done, 30));
  assert.equal(exits[0]?.code, 1);
  assert.match(exits[0]?.message ?? "", /half-configured/);
});

test("Ctrl-C before anything changed leaves at once, exit 130", async () => {
  const { r, exits } = renderWizard(filledState());
  await frameWith(r, "Name of the first site");
  await press(r, KEY.ctrlC);
  await new Promise((done) => setTimeout(done, 30));
  assert.deepEqual(exits, [{ code: 130, message: "quit; nothing was changed on the gateways" }]);
});

test("after the wizard hands over to the live pane, its reconnects get the passphrase typed earlier and no to any other question", async () => {
  let prompts: Prompts | undefined;
  const services = fakeServices({
    connect: async (site, given, emit) => {
      prompts = given;
      for (const def of site.sites) emit({ type: "connecting", site: def.name, target: def.ssh });
      assert.equal(await given.askPassphrase("/keys/id_ed25519"), "open sesame");
      emit({ type: "facts", site: "alpha", facts: FRESH });
      emit({ type: "facts", site: "beta", facts: FRESH_BETA });
      return { facts: [FRESH, FRESH_BETA], blockers: [] };
    },
  });
  const { r, exits } = renderWizard(atGateways(), services);
  await press(r, KEY.enter);
  await frameWith(r, "id_ed25519");
  await press(r, ..."open sesame".split(""), KEY.enter);
  await frameWith(r, "Both gateways are ready");
  await press(r, KEY.enter);
  await frameWith(r, "Apply the plan to both gateways");
  await press(r, KEY.enter);
  await frameWith(r, "Save the site file as");
  await press(r, KEY.enter);
  await lastFrameWith(r, "Site file saved");
  assert.equal(exits[0]?.code, 0);
  // Nothing on screen can answer now: no question may hang the pane's reconnect.
  assert.equal(await prompts!.askPassphrase("/keys/id_ed25519"), "open sesame");
  assert.equal(await prompts!.askPassphrase("/keys/other"), undefined);
  assert.equal(await prompts!.onUnknownHost(HOST_KEY), false);
});
