import assert from "node:assert/strict";
import { test } from "node:test";
import { paneLines } from "../../../src/ui/status/pane-lines.ts";
import { initialStatus, statusReducer, type StatusEvent, type StatusState } from "../../../src/ui/status/state.ts";
import { captureSite } from "../../status/helpers.ts";
import { alphaSample, betaForwardOff, later, plain } from "./helpers.ts";

const site = captureSite();

const frame = (state: StatusState, columns: number, rows?: number) => paneLines(state, columns, rows).join("\n");

/** Alpha converged, beta with ip_forward 0; alpha ticked three times so its rates have a sparkline. */
function paneState() {
  const a = alphaSample();
  const events: StatusEvent[] = [
    { type: "sampled", index: 0, sample: a, at: 1000 },
    { type: "sampled", index: 1, sample: betaForwardOff(), at: 1000 },
    { type: "sampled", index: 0, sample: later(a, 1, 2048, 1024), at: 2000 },
    { type: "sampled", index: 0, sample: later(a, 2, 3072, 3072), at: 3000 },
  ];
  return events.reduce(statusReducer, initialStatus(site));
}

const FRAME_80 = `alpha 10.10.10.0/24 <-> beta 10.10.11.0/24: beta ip_forward 0
╭──────────────────────────────────────╮╭──────────────────────────────────────╮
│ alpha wgA                     ● live ││ beta wgB                      ● live │
│ key  5zSiMPtV…kCM=  port 51000       ││ key  +dabEHFI…k1E=  port 51000       │
│ peer +dabEHFI…k1E=  psk no           ││ peer 5zSiMPtV…kCM=  psk no           │
│ endp 192.0.2.12:51000                ││ endp 192.0.2.11:51000                │
│ ips  10.10.11.0/24,10.10.9.0/31      ││ ips  10.10.10.0/24,10.10.9.0/31      │
│ hs   4 s ago  keepalive 25 s         ││ hs   5 s ago  keepalive off          │
│ rx   30 KiB   1.0 KiB/s        █▅    ││ rx   50 KiB                          │
│ tx   30 KiB   2.0 KiB/s        ▅█    ││ tx   50 KiB                          │
│                                      ││                                      │
│ ✔ unit        active, enabled        ││ ✔ unit        active, enabled        │
│ ✔ interface   wgA up, mtu 1420       ││ ✔ interface   wgB up, mtu 1420       │
│ ✔ peer key    matches beta           ││ ✔ peer key    matches alpha          │
│ ✔ endpoint    192.0.2.12:51000       ││ ✔ endpoint    192.0.2.11:51000       │
│ ✔ handshake   4 s ago                ││ ✔ handshake   5 s ago                │
│ ✔ route       10.10.11.1 via wgA     ││ ✔ route       10.10.10.1 via wgB     │
│ ✔ ip_forward  1, persisted           ││ ✖ ip_forward  0                      │
│ ✔ rp_filter   0 (off)                ││ ✔ rp_filter   0 (off)                │
│ ✔ NAT         none toward beta       ││ ✔ NAT         none toward alpha      │
│ ✔ FORWARD     accepts lan0 <-> wgA   ││ ✔ FORWARD     accepts lan0 <-> wgB   │
│ ✔ tunnel ping 10.10.9.1 0.4 ms       ││ ✔ tunnel ping 10.10.9.0 0.4 ms       │
│ ✔ LAN ping    10.10.11.1 0.9 ms      ││ ✔ LAN ping    10.10.10.1 0.5 ms      │
│ ✔ path MTU    1420 (= wgA mtu)       ││ ✔ path MTU    1420 (= wgB mtu)       │
│ ✔ latency     0.9 ms, 0 % loss       ││ ✔ latency     0.5 ms, 0 % loss       │
╰──────────────────────────────────────╯╰──────────────────────────────────────╯

alpha: nothing to fix; beta: 1 to fix (Tab)

q quit  ·  r refresh now  ·  ←/→/Tab other gateway's fixes`;

test("two gateways side by side in 80 columns: red and green checks, rates with a sparkline", () => {
  const text = plain(frame(paneState(), 80));
  assert.equal(text, FRAME_80);
  assert.ok(text.split("\n").every((line) => line.length <= 80));
});

test("focus on beta: its fix, full width", () => {
  const state = statusReducer(paneState(), { type: "focus", to: "next" });
  const lines = plain(frame(state, 80)).split("\n");
  assert.deepEqual(lines.slice(-4), [
    "✖ beta ip_forward: sysctl -w net.ipv4.ip_forward=1 (wgsite apply also persists",
    "it in /etc/sysctl.d/99-wgsite-wgB.conf)",
    "",
    "q quit  ·  r refresh now  ·  ←/→/Tab other gateway's fixes",
  ]);
});

test("narrower than 78 columns: the gateways are stacked, nothing wider than the terminal", () => {
  const lines = plain(frame(paneState(), 60)).split("\n");
  assert.ok(lines.every((line) => line.length <= 60), lines.find((l) => l.length > 60));
  const tops = lines.filter((l) => l.startsWith("╭"));
  assert.equal(tops.length, 2);
  assert.ok(lines.some((l) => l.startsWith("│ alpha wgA")));
  assert.ok(lines.some((l) => l.startsWith("│ beta wgB")));
});

test("a gateway that dropped: reconnecting with its attempt, the last checks greyed, named in the summary", () => {
  const state = statusReducer(paneState(), { type: "lost", index: 1, error: "connection lost (ECONNRESET)", attempt: 3, retryInMs: 4000 });
  const focused = statusReducer(state, { type: "focus", to: "next" });
  const lines = plain(frame(focused, 80)).split("\n");
  assert.equal(lines[0], "alpha 10.10.10.0/24 <-> beta 10.10.11.0/24: beta unreachable");
  assert.match(lines[2]!, /│ beta wgB\s+reconnecting #3, 4 s │$/);
  assert.ok(lines.includes("beta: connection lost (connection lost (ECONNRESET)); reconnect attempt 3 in 4 s"));
});

test("a 24-row terminal: green checks are counted, the red one and the fixes still show", () => {
  const state = statusReducer(paneState(), { type: "focus", to: "next" });
  const lines = plain(frame(state, 80, 24)).split("\n");
  assert.ok(lines.length <= 24, `${lines.length} lines`);
  assert.match(lines.find((l) => l.includes("✖ ip_forward"))!, /^│ ✔ 14 more checks green\s+││ ✖ ip_forward  0\s+│$/);
  assert.ok(lines.some((l) => /││ ✔ 13 more checks green\s+│$/.test(l)));
  assert.ok(lines.some((l) => l.startsWith("✖ beta ip_forward: sysctl -w net.ipv4.ip_forward=1")));
});

test("before the first answers: one line says the probes are running", () => {
  const lines = plain(frame(initialStatus(site), 80)).split("\n");
  assert.equal(lines[0], "probing both gateways…");
  assert.match(lines[2]!, /│ alpha wgA\s+connecting… ││ beta wgB\s+connecting… │/);
});

test("120 columns: two 60-column gateways; 30 columns: the gateway name gives way to the link state; never wider than the terminal", () => {
  const wide = plain(frame(paneState(), 120)).split("\n");
  assert.equal(wide[1], `╭${"─".repeat(58)}╮╭${"─".repeat(58)}╮`);
  assert.ok(wide.every((line) => line.length <= 120));
  const lost = statusReducer(paneState(), { type: "lost", index: 1, error: "timed out", attempt: 3, retryInMs: 4000 });
  const narrow = plain(frame(lost, 30)).split("\n");
  assert.ok(narrow.every((line) => line.length <= 30), narrow.find((l) => l.length > 30));
  assert.ok(narrow.includes("│ beta… reconnecting #3, 4 s │"), narrow.join("\n"));
});
