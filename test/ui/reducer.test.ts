import assert from "node:assert/strict";
import { test } from "node:test";
import { loadSite } from "../../src/core/load-site.ts";
import type { ApplyReport } from "../../src/remote/events.ts";
import { DEFAULT_ANSWERS } from "../../src/ui/answers.ts";
import { exitCode, update } from "../../src/ui/reducer.ts";
import { initialState, type WizardEvent, type WizardState } from "../../src/ui/state.ts";
import { ALIASES, FILLED, FRESH, FRESH_BETA, filledSite, filledState, SETTINGS } from "./helpers/fixtures.ts";

/** Runs events through the reducer; returns the last state and every effect asked for. */
function run(state: WizardState, ...events: WizardEvent[]) {
  const effects = [];
  for (const event of events) {
    const t = update(state, event);
    state = t.state;
    effects.push(...t.effects);
  }
  return { state, effects };
}

const next: WizardEvent = { type: "next" };
const back: WizardEvent = { type: "back" };

/** A state on the connect screen of attempt 1, with both gateways' facts in. */
function connected(): WizardState {
  const { state } = run(filledState({ screen: "gateways", focus: "endpoint1" }), next);
  return run(state, { type: "connected", attempt: 1, facts: [FRESH, FRESH_BETA], blockers: [], runId: "R1" }).state;
}

const okReport: ApplyReport = {
  ok: true,
  gateways: [
    { site: "alpha", interface: "wgA", changed: true, steps: [], checks: [{ id: "handshake", ok: true, detail: "0 s ago" }] },
    { site: "beta", interface: "wgB", changed: true, steps: [], checks: [{ id: "handshake", ok: true, detail: "1 s ago" }] },
  ],
};

test("starts on the sites screen with the reference defaults, first field focused", () => {
  const s = initialState({ settings: SETTINGS });
  assert.equal(s.screen, "sites");
  assert.equal(s.focus, "name0");
  assert.deepEqual(s.answers, DEFAULT_ANSWERS);
  assert.equal(s.answers.network, "10.10.9.0/31");
  assert.equal(s.answers.port, "51000");
  assert.deepEqual([s.answers.iface0, s.answers.iface1], ["wgA", "wgB"]);
});

test("Enter walks the fields, then the screens; Esc goes back with every answer kept", () => {
  let { state } = run(initialState({ settings: SETTINGS }), { type: "edit", field: "lan0", value: "10.20.0.0/16" });
  state = run(state, next).state;
  assert.equal(state.focus, "lan0");
  state = run(state, next, next, next).state;
  assert.equal(state.screen, "tunnel");
  assert.equal(state.focus, "network");
  state = run(state, back).state;
  assert.equal(state.screen, "sites");
  assert.equal(state.focus, "lan1", "back lands on the last field");
  assert.equal(state.answers.lan0, "10.20.0.0/16");
  state = run(state, { type: "previous-field" }).state;
  assert.equal(state.focus, "name1");
});

test("an invalid field keeps the focus; leaving a screen stops at the first problem", () => {
  let { state } = run(initialState({ settings: SETTINGS }), { type: "edit", field: "name0", value: "Alpha!" }, next);
  assert.equal(state.focus, "name0", "Enter on an invalid name does not move on");
  state = run(state, { type: "edit", field: "name0", value: "alpha" }, { type: "edit", field: "lan1", value: "10.10.10.0/25" }, next, next, next, next).state;
  assert.equal(state.screen, "sites");
  assert.equal(state.focus, "lan1", "overlapping LANs are caught on the sites screen");
});

test("the ssh choice fills an untouched endpoint with the alias's public address", () => {
  let state = initialState({ aliases: ALIASES, settings: SETTINGS });
  state = run(state, { type: "edit", field: "ssh0", value: "beta-gw" }).state;
  assert.equal(state.answers.endpoint0, "192.0.2.2");
  state = run(state, { type: "edit", field: "ssh0", value: "root@10.0.0.1" }).state;
  assert.equal(state.answers.endpoint0, "", "a private address is no endpoint");
  state = run(state, { type: "edit", field: "endpoint0", value: "vpn.example.net" }, { type: "edit", field: "ssh0", value: "alpha-gw" }).state;
  assert.equal(state.answers.endpoint0, "vpn.example.net", "an endpoint the person typed stays");
});

test("focusing a choice list makes its first choice the answer; 'other' switches to typing", () => {
  let state = initialState({ aliases: ALIASES, settings: SETTINGS });
  state = { ...state, screen: "tunnel", focus: "port" };
  state = run(state, { type: "previous-field" }).state;
  assert.equal(state.focus, "network");
  assert.equal(state.answers.network, "10.10.9.0/31");
  state = run(state, { type: "edit", field: "network", value: "10.10.9.0/30" }, { type: "highlight-other", field: "network" }, next).state;
  assert.equal(state.focus, "network", "Enter on 'other' stays to type");
  assert.deepEqual(state.typing, ["network"]);
  assert.equal(state.answers.network, "10.10.9.0/30");
  // The gateways screen: an empty SSH target takes the first alias when focused.
  state = { ...state, screen: "gateways", focus: "endpoint0" };
  state = run(state, { type: "previous-field" }).state;
  assert.equal(state.answers.ssh0, "alpha-gw");
  assert.equal(state.answers.endpoint0, "192.0.2.1");
});

test("leaving the gateways screen connects with the validated site", () => {
  const { state, effects } = run(filledState({ screen: "gateways", focus: "endpoint1" }), next);
  assert.equal(state.screen, "connect");
  assert.equal(state.attempt, 1);
  assert.deepEqual(effects, [{ type: "connect", attempt: 1, site: filledSite() }]);
});

test("facts arrive per gateway; the plan is computed when both are in; stale attempts are ignored", () => {
  let { state } = run(filledState({ screen: "gateways", focus: "endpoint1" }), next);
  state = run(state, { type: "engine", attempt: 1, event: { type: "connecting", site: "beta", target: "beta-gw" } }).state;
  assert.equal(state.gateways[1].phase, "connecting");
  state = run(state, { type: "engine", attempt: 1, event: { type: "facts", site: "alpha", facts: FRESH } }).state;
  assert.equal(state.gateways[0].phase, "ready");
  const stale = run(state, { type: "connected", attempt: 0, facts: [FRESH, FRESH_BETA], blockers: [], runId: "R0" }).state;
  assert.equal(stale.plan, undefined);
  state = run(state, { type: "connected", attempt: 1, facts: [FRESH, FRESH_BETA], blockers: [], runId: "R1" }).state;
  assert.deepEqual(state.plan?.gateways[0].steps.map((s) => s.id), ["install", "keys", "config", "forwarding", "unit"]);
  state = run(state, next).state;
  assert.equal(state.screen, "review");
});

test("blockers keep the review closed; Esc from review disconnects and returns to the answers", () => {
  let state = run(connected(), back).state;
  assert.equal(state.screen, "gateways");
  const { effects } = run(connected(), back);
  assert.deepEqual(effects, [{ type: "disconnect" }]);
  state = run(filledState({ screen: "gateways", focus: "endpoint1" }), next).state;
  const problem = { path: "sites.alpha", message: "UDP port 51000 is already in use; set tunnel.port to 51001" };
  state = run(state, { type: "connected", attempt: 1, facts: [FRESH, FRESH_BETA], blockers: [problem], runId: "R1" }, next).state;
  assert.equal(state.screen, "connect");
});

test("a connection failure is shown; Enter tries again as a new attempt", () => {
  let { state } = run(filledState({ screen: "gateways", focus: "endpoint1" }), next);
  state = run(state, { type: "connect-failed", attempt: 1, message: "host key refused", code: 4 }).state;
  assert.equal(state.connectError?.code, 4);
  assert.equal(exitCode(state), 4);
  const retried = run(state, next);
  assert.equal(retried.state.attempt, 2);
  assert.deepEqual(retried.effects.map((e) => e.type), ["disconnect", "connect"]);
});

test("prompts queue up and each answer goes back to the connection waiting on it", () => {
  const info = { label: "alpha", host: "192.0.2.1", port: 22, keyType: "ssh-ed25519", fingerprint: "SHA256:abc", otherKnownTypes: [] };
  let { state } = run(connected(), { type: "prompt", prompt: { id: 1, kind: "host-key", info } }, { type: "prompt", prompt: { id: 2, kind: "sudo", site: "beta", target: "beta-gw" } });
  assert.deepEqual(state.prompts.map((p) => p.id), [1, 2]);
  const answered = run(state, { type: "prompt-answered", id: 1, answer: true });
  assert.deepEqual(answered.state.prompts.map((p) => p.id), [2]);
  assert.deepEqual(answered.effects, [{ type: "answer-prompt", id: 1, answer: true }]);
});

test("confirming applies; engine events fill the two columns; success moves to done and frees the gateways", () => {
  const reviewed = run(connected(), next).state;
  let { state, effects } = run(reviewed, { type: "confirm-apply" });
  assert.equal(state.screen, "apply");
  assert.deepEqual(effects, [{ type: "apply", attempt: 1, site: filledSite(), plan: reviewed.plan }], "the plan reviewed is the plan applied");
  assert.deepEqual(state.apply?.columns[0].map((l) => l.status), ["pending", "pending", "pending", "pending", "pending", "pending"]);
  state = run(
    state,
    { type: "engine", attempt: 1, event: { type: "step-start", site: "alpha", step: "install", title: "Install wireguard-tools" } },
    { type: "engine", attempt: 1, event: { type: "step-done", site: "beta", step: "install", title: "Install wireguard-tools", ms: 2900, changed: true } },
    { type: "engine", attempt: 1, event: { type: "check", site: "beta", id: "handshake", ok: true, detail: "1 s ago" } },
  ).state;
  assert.equal(state.apply?.columns[0][0]?.status, "running");
  assert.deepEqual(state.apply?.columns[1][0], { id: "install", title: "Install wireguard-tools, wireguard-go, iptables", status: "changed", ms: 2900 });
  assert.deepEqual(state.apply?.checks[1], [{ id: "handshake", ok: true, detail: "1 s ago" }]);
  const done = run(state, { type: "applied", report: okReport });
  assert.equal(done.state.screen, "done");
  assert.equal(done.state.focus, "savePath");
  assert.equal(done.state.answers.savePath, "./alpha-beta.yaml");
  assert.deepEqual(done.effects, [{ type: "release" }]);
  assert.equal(exitCode(done.state), 0);
});

test("a failed step stays on the apply screen with its output; Enter connects again", () => {
  let { state } = run(run(connected(), next).state, { type: "confirm-apply" });
  state = run(
    state,
    { type: "engine", attempt: 1, event: { type: "step-start", site: "beta", step: "unit", title: "Enable and start wg-quick@wgB" } },
    { type: "engine", attempt: 1, event: { type: "step-failed", site: "beta", step: "unit", title: "Enable and start wg-quick@wgB", ms: 120, output: "RTNETLINK answers: Operation not supported" } },
    { type: "applied", report: { ok: false, gateways: [], error: "beta: step \"unit\" failed", rolledBack: ["alpha: rolled back", "beta: rolled back"] } },
  ).state;
  assert.equal(state.screen, "apply");
  assert.deepEqual(state.apply?.failure, { site: "beta", step: "unit", title: "Enable and start wg-quick@wgB", output: "RTNETLINK answers: Operation not supported" });
  assert.equal(exitCode(state), 1);
  const retry = run(state, next);
  assert.equal(retry.state.screen, "connect");
  assert.deepEqual(retry.effects.map((e) => e.type), ["disconnect", "connect"]);
});

test("failed verification without a failed step shows the engine's error", () => {
  let { state } = run(run(connected(), next).state, { type: "confirm-apply" });
  const report: ApplyReport = { ok: false, gateways: [{ site: "alpha", interface: "wgA", changed: true, steps: [], checks: [{ id: "handshake", ok: false, detail: "none" }] }], error: "verification failed:\n  alpha: handshake: none" };
  state = run(state, { type: "applied", report }).state;
  assert.equal(state.apply?.failure?.step, "verify");
  assert.match(state.apply?.failure?.output ?? "", /verification failed/);
});

test("Ctrl-C quits at once before applying, asks during apply, and exits 1 when abandoned", () => {
  assert.deepEqual(run(initialState({ settings: SETTINGS }), { type: "quit" }).effects, [{ type: "exit", code: 130, message: "quit; nothing was changed on the gateways" }]);
  let { state } = run(run(connected(), next).state, { type: "confirm-apply" });
  const asked = run(state, { type: "quit" });
  assert.equal(asked.state.quitAsked, true);
  assert.deepEqual(asked.effects, []);
  assert.equal(run(asked.state, { type: "quit-answered", abandon: false }).state.quitAsked, false);
  const left = run(asked.state, { type: "quit-answered", abandon: true });
  assert.equal(left.effects[0]?.type, "exit");
  assert.equal((left.effects[0] as { code: number }).code, 1);
  state = run(state, { type: "back" }).state;
  assert.equal(state.screen, "apply", "no way back while the gateways are being changed");
});

test("the done screen saves a site file that loads back to the same site; saved, the wizard exits 0 and hands the site to the live pane", () => {
  let { state } = run(run(connected(), next).state, { type: "confirm-apply" }, { type: "applied", report: okReport });
  const saving = run(state, next);
  const effect = saving.effects[0];
  assert.equal(effect?.type, "save");
  if (effect?.type !== "save") return;
  assert.equal(effect.path, "./alpha-beta.yaml");
  const loaded = loadSite(effect.text);
  assert.ok(loaded.ok);
  assert.deepEqual(loaded.site, filledSite());
  assert.match(effect.text, /^# rerun without questions: wgsite --non-interactive -c \.\/alpha-beta\.yaml --ssh-config \/lab\/ssh_config$/m);
  state = run(saving.state, { type: "save-failed", message: "/nope does not exist" }).state;
  assert.deepEqual(state.save, { status: "asking", error: "/nope does not exist" });
  const saved = run(run(state, next).state, { type: "saved", path: "/work/alpha-beta.yaml" });
  assert.deepEqual(saved.state.save, { status: "saved", path: "/work/alpha-beta.yaml" });
  assert.deepEqual(saved.effects, [{ type: "exit", code: 0, watch: filledSite() }]);
});

test("answers from a file keep their endpoints when the SSH target changes", () => {
  const state = initialState({ answers: FILLED, aliases: ALIASES, settings: SETTINGS });
  assert.deepEqual(state.touched, ["endpoint0", "endpoint1"]);
  assert.equal(run(state, { type: "edit", field: "ssh0", value: "beta-gw" }).state.answers.endpoint0, "192.0.2.1");
});

test("a lost connection without a failed step names the gateway from the engine's error", () => {
  let { state } = run(run(connected(), next).state, { type: "confirm-apply" });
  const error = "beta (192.0.2.2:2222): running wgsite's steps (config, unit): the connection closed";
  state = run(state, { type: "applied", report: { ok: false, gateways: [], error } }).state;
  assert.deepEqual(state.apply?.failure, { site: "beta", step: "", title: "", output: error });
});

test("verification is shown as done (it changes nothing, but it ran)", () => {
  let { state } = run(run(connected(), next).state, { type: "confirm-apply" });
  state = run(state, { type: "engine", attempt: 1, event: { type: "step-done", site: "alpha", step: "verify", title: "Verify the tunnel", ms: 1500, changed: false } }).state;
  assert.deepEqual(state.apply?.columns[0].at(-1), { id: "verify", title: "Verify the tunnel", status: "changed", ms: 1500 });
});
