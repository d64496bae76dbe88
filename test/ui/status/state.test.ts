import assert from "node:assert/strict";
import { test } from "node:test";
import { gatewayViews, initialStatus, RATE_HISTORY, statusReducer, type StatusEvent, type StatusState } from "../../../src/ui/status/state.ts";
import { captureSite } from "../../status/helpers.ts";
import { alphaSample, betaForwardOff, later } from "./helpers.ts";

const site = captureSite();
const run = (events: readonly StatusEvent[], from: StatusState = initialStatus(site)) => events.reduce(statusReducer, from);

test("starts connecting, with no checks", () => {
  const s = initialStatus(site);
  assert.deepEqual(s.gateways.map((g) => g.link), [{ kind: "connecting" }, { kind: "connecting" }]);
  assert.equal(s.focus, 0);
});

test("a sample judges both gateways: the peer key needs the other's sample", () => {
  const one = run([{ type: "sampled", index: 0, sample: alphaSample(), at: 1000 }]);
  assert.equal(one.gateways[0].checks.find((c) => c.id === "peer-key")?.status, "yellow");
  const both = run([{ type: "sampled", index: 1, sample: betaForwardOff(), at: 1000 }], one);
  assert.equal(both.gateways[0].checks.find((c) => c.id === "peer-key")?.status, "green");
  assert.equal(both.gateways[1].checks.find((c) => c.id === "ip-forward")?.status, "red");
  assert.deepEqual(both.gateways[0].link, { kind: "up", heavy: false });
});

test("rates come from the counters of two samples and the time between them; heavy probes carry over", () => {
  const a = alphaSample();
  const s = run([
    { type: "sampled", index: 0, sample: a, at: 1000 },
    { type: "sampled", index: 0, sample: later(a, 2, 4096, 1024), at: 3000 },
  ]);
  assert.deepEqual(s.gateways[0].rates, { rx: [2048], tx: [512] });
  assert.deepEqual(s.gateways[0].sample?.heavy, a.heavy);
  assert.equal(s.gateways[0].checks.find((c) => c.id === "mtu")?.status, "green");
});

test("rates keep a short history and never go negative when counters restart", () => {
  const a = alphaSample();
  let s = run([{ type: "sampled", index: 0, sample: a, at: 0 }]);
  for (let i = 1; i <= RATE_HISTORY + 3; i++) s = statusReducer(s, { type: "sampled", index: 0, sample: later(a, i, 1000 * i, 0), at: i * 1000 });
  assert.equal(s.gateways[0].rates.rx.length, RATE_HISTORY);
  s = statusReducer(s, { type: "sampled", index: 0, sample: later(a, 99, 0, 0), at: 99_000 });
  assert.equal(s.gateways[0].rates.rx.at(-1), 0);
});

test("lost, reconnecting and back: the last sample stays, the gateway counts as unreachable meanwhile", () => {
  const s = run([
    { type: "sampled", index: 0, sample: alphaSample(), at: 1000 },
    { type: "sampled", index: 1, sample: betaForwardOff(), at: 1000 },
    { type: "lost", index: 1, error: "connection lost", attempt: 2, retryInMs: 2000 },
  ]);
  assert.deepEqual(s.gateways[1].link, { kind: "reconnecting", attempt: 2, retryInSec: 2, error: "connection lost" });
  assert.ok(s.gateways[1].sample);
  assert.equal(gatewayViews(s)[1].error, "connection lost");
  const back = run([{ type: "reconnected", index: 1 }], s);
  assert.deepEqual(back.gateways[1].link, { kind: "up", heavy: true });
  assert.equal(gatewayViews(back)[1].error, undefined);
});

test("a probe start marks heavy ticks; focus moves between the gateways", () => {
  const s = run([
    { type: "sampled", index: 0, sample: alphaSample(), at: 1000 },
    { type: "probe-started", index: 0, heavy: true },
    { type: "focus", to: "next" },
  ]);
  assert.deepEqual(s.gateways[0].link, { kind: "up", heavy: true });
  assert.equal(s.focus, 1);
  assert.equal(run([{ type: "focus", to: "previous" }], s).focus, 0);
  // Still connecting: a probe start changes nothing.
  assert.deepEqual(run([{ type: "probe-started", index: 1, heavy: true }], s).gateways[1].link, { kind: "connecting" });
});
