import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { cleanup } from "ink-testing-library";
import type { HostFacts } from "../../src/core/host-facts.ts";
import type { ApplyEvent } from "../../src/remote/events.ts";
import { frame, frameWhere, frameWith, KEY, press } from "./helpers/drive.ts";
import { fakeServices, scriptedApply } from "./helpers/fake-services.ts";
import { FRESH, FRESH_BETA, filledState } from "./helpers/fixtures.ts";
import { renderWizard, resizeTerminal } from "./helpers/render-wizard.tsx";

afterEach(() => cleanup());

const PAGE_DOWN = "\u001b[6~";
const PAGE_UP = "\u001b[5~";
const lines = (text: string) => text.split("\n").length;

/** Facts that give alpha's plan warnings, so the review is taller than a 24-row terminal. */
const BUSY: HostFacts = { ...FRESH, udpPortsInUse: [51000] };

async function atReview(rows: number) {
  const services = fakeServices({ connect: async () => ({ facts: [BUSY, FRESH_BETA], blockers: [] }) });
  const { r } = renderWizard(filledState({ screen: "gateways", focus: "endpoint1" }), services);
  resizeTerminal(r, rows);
  await press(r, KEY.enter);
  await frameWith(r, "Both gateways are ready");
  await press(r, KEY.enter);
  await frameWith(r, "Plan for [alpha]");
  return { r, services };
}

test("review on a 24-row terminal: the plan scrolls with PgUp/PgDn, the header, choices and keys stay in view", async () => {
  const { r, services } = await atReview(24);
  const first = await frameWhere(r, (f) => /lines 1–\d+ of \d+ {2}· {2}▼ \d+ more \(PgDn\)/.test(f), "the plan's scroll line");
  assert.ok(lines(first) <= 23, `at most 23 lines, got ${lines(first)}:\n${first}`);
  assert.match(first, /^wgsite {2}1 Sites/);
  assert.match(first, /Steps on alpha \(5 to run\):/);
  assert.match(first, /Nothing has been changed yet\.\n› Apply the plan to both gateways\n {2}Go back and change the answers/);
  assert.match(first, /↑\/↓ Enter choose/);
  const total = Number(/of (\d+)/.exec(first)![1]);
  assert.ok(total > 23, "the whole plan is taller than the terminal");

  await press(r, PAGE_DOWN);
  const next = await frameWhere(r, (f) => /▲ \d+ more \(PgUp\)/.test(f), "scrolled down");
  assert.doesNotMatch(next, /Steps on alpha/, "the top of the plan scrolled away");
  assert.match(next, /Nothing has been changed yet\./);
  assert.ok(lines(next) <= 23);
  for (let i = 0; i < 10; i++) await press(r, PAGE_DOWN);
  const end = await frameWhere(r, (f) => !/▼/.test(f), "the end of the plan");
  assert.match(end, /fix: pick a free port/, "the warnings at the end of alpha's plan");
  await press(r, PAGE_UP);
  await frameWhere(r, (f) => /▼/.test(f), "one page back up");

  await press(r, KEY.right);
  const beta = await frameWith(r, "Plan for  alpha  [beta]");
  assert.match(beta, /Steps on beta/, "the other gateway's plan starts at its top");
  await press(r, KEY.enter);
  await frameWhere(r, () => services.calls.includes("apply"), "Enter still applies");
});

test("a terminal tall enough shows the whole review, no scroll line; growing the terminal shows it whole", async () => {
  const { r } = await atReview(24);
  await frameWhere(r, (f) => /▼/.test(f), "scrolling at 24 rows");
  resizeTerminal(r, 80);
  const whole = await frameWhere(r, (f) => !/lines \d+–\d+ of/.test(f), "no scroll line at 80 rows");
  assert.match(whole, /Steps on alpha[\s\S]*fix: pick a free port[\s\S]*Nothing has been changed yet/);
});

test("a failed run on a 20-row terminal: the failure and what to do show first, the columns above with PgUp", async () => {
  const failed: ApplyEvent = { type: "step-failed", site: "beta", step: "unit", title: "Enable and start wg-quick@wgB", ms: 130, output: "Job for wg-quick@wgB.service failed.\nRTNETLINK answers: Operation not supported" };
  const services = fakeServices({
    apply: scriptedApply([{ type: "step-start", site: "beta", step: "unit", title: "Enable and start wg-quick@wgB" }, failed], {
      ok: false,
      gateways: [],
      error: 'beta: step "unit" failed',
      rolledBack: ["alpha: rolled back 4 steps", "beta: rolled back 4 steps"],
    }),
  });
  const { r } = renderWizard(filledState({ screen: "gateways", focus: "endpoint1" }), services);
  resizeTerminal(r, 20);
  await press(r, KEY.enter);
  await frameWith(r, "Both gateways are ready");
  await press(r, KEY.enter);
  await frameWith(r, "Apply the plan to both gateways");
  await press(r, KEY.enter);
  const failure = await frameWhere(r, (f) => /What to do/.test(f) && /▲ \d+ more \(PgUp\)/.test(f), "the failure's end in view");
  assert.ok(lines(failure) <= 19, `at most 19 lines, got ${lines(failure)}:\n${failure}`);
  assert.match(failure, /Enter connect again/);
  assert.doesNotMatch(failure, /The run stopped\./, "the top scrolled away");
  for (let i = 0; i < 5; i++) await press(r, PAGE_UP);
  const top = await frameWhere(r, (f) => /The run stopped\./.test(f), "the top after PgUp");
  assert.match(top, /▼ \d+ more \(PgDn\)/);
  assert.ok(lines(frame(r)) <= 19);
});
