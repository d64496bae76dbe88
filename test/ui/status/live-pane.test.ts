import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { runLivePane } from "../../../src/ui/status/live-pane.ts";
import type { Sessions } from "../../../src/ui/status/probe-loops.ts";
import { keyPresses } from "../../../src/ui/status/raw-keys.ts";
import { captureSite } from "../../status/helpers.ts";
import { fakeGateway, fakeSession, until, type FakeGateway } from "./fake-gateways.ts";
import { plain } from "./helpers.ts";
import { VtScreen } from "./vt-screen.ts";

const site = captureSite();

/** A terminal for the pane: keys typed into stdin, output onto a VtScreen, raw mode recorded. */
function fakeTerminal(columns: number, rows: number) {
  const vt = new VtScreen(columns, rows);
  const stdin = Object.assign(new PassThrough(), { raw: false, setRawMode(raw: boolean) {
    stdin.raw = raw;
    return stdin;
  } });
  const stdout = Object.assign(new EventEmitter(), { columns, rows, write: (text: string) => vt.write(text) });
  return { vt, stdin, stdout, screen: () => plain(vt.text()) };
}

test("keys from a raw terminal read: letters, Ctrl-C, Tab, Shift-Tab, arrows, a lone Esc; other sequences skipped", () => {
  const seen = keyPresses("q\x03\t\x1b[Z\x1b[C\x1bOD\x1b[15~r\x1b").map(({ input, key }) =>
    [input, ...Object.entries(key).filter(([, on]) => on).map(([name]) => name)].join("+"),
  );
  assert.deepEqual(seen, ["q", "c+ctrl", "+tab", "+shift+tab", "+rightArrow", "+leftArrow", "r", "+escape"]);
});

test("wgsite status's pane in a terminal: both gateways drawn, Tab and arrows switch the fixes, r refreshes, a dropped gateway reconnects, q restores the terminal and hands back the sessions", async () => {
  const gws: [FakeGateway, FakeGateway] = [
    fakeGateway(),
    fakeGateway(),
  ];
  const replacement: FakeGateway = fakeGateway();
  const sessions: Sessions = [fakeSession(0, gws[0]), fakeSession(1, gws[1])];
  const term = fakeTerminal(80, 40);
  const ended = runLivePane(
    { site, sessions, reconnect: async (previous) => fakeSession(previous.index as 0 | 1, replacement), intervalSec: 0.02, heavyEvery: 1000, backoffMs: () => 30 },
    term,
  );
  await until("both gateways", term.screen, (f) => f.includes("matches beta") && f.includes("matches alpha"));
  assert.equal(term.stdin.raw, true, "keys are read raw");
  assert.equal(term.vt.cursorVisible, false);
  const lines = term.screen().split("\n");
  assert.match(lines[0]!, /^alpha 10\.10\.10\.0\/24 <-> beta 10\.10\.11\.0\/24: /);
  assert.ok(lines.every((l) => l.length <= 80));

  term.stdin.write("\t");
  await until("beta's fixes", term.screen, (f) => f.includes("✖ beta ip_forward: sysctl -w net.ipv4.ip_forward=1"));
  term.stdin.write("\x1b[D");
  await until("alpha's again", term.screen, (f) => f.includes("✖ alpha unit: systemctl enable --now wg-quick@wgA") && !f.includes("✖ beta ip_forward: sysctl"));

  const before = gws[0].ticks.length;
  term.stdin.write("r");
  await until("a heavy tick after r", term.screen, () => gws[0].ticks.slice(before).some((t) => t.startsWith("H")));

  gws[1].fail = true;
  await until("reconnecting", term.screen, (f) => /beta wgB\s+reconnecting #1/.test(f));
  await until("beta live again", term.screen, (f) => replacement.ticks.length > 0 && /beta wgB\s+(● live|◌ full probe)/.test(f));

  term.stdin.write("q");
  const now = await ended;
  assert.equal(now[0], sessions[0]);
  assert.notEqual(now[1], sessions[1], "the reconnected session is handed back");
  assert.equal(term.stdin.raw, false);
  assert.equal(term.vt.cursorVisible, true);
  assert.match(term.screen(), /q quit {2}· {2}r refresh now/, "the last frame stays on screen");
  const ticks = gws[0].ticks.length;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(gws[0].ticks.length, ticks, "no probe after quitting");
});

test("a signal ends the pane like q; a narrow terminal stacks the gateways; a resize redraws from the top", async () => {
  const gws: [FakeGateway, FakeGateway] = [
    fakeGateway(),
    fakeGateway(),
  ];
  const term = fakeTerminal(60, 80);
  const stop = new AbortController();
  const ended = runLivePane({ site, sessions: [fakeSession(0, gws[0]), fakeSession(1, gws[1])], reconnect: async (p) => p, intervalSec: 0.02 }, term, stop.signal);
  await until("both gateways", term.screen, (f) => f.includes("matches alpha"));
  assert.equal(term.screen().split("\n").filter((l) => l.startsWith("╭")).length, 2);
  term.stdout.columns = 100;
  term.vt.resize(100);
  term.stdout.emit("resize");
  await until("side by side", term.screen, (f) => f.split("\n")[1]!.startsWith("╭") && f.split("\n")[1]!.split("╭").length === 3);
  stop.abort();
  await ended;
  assert.equal(term.stdin.raw, false);
  assert.equal(term.vt.cursorVisible, true);
});

test("a reconnect that keeps failing backs off and says so; the pane stays up", async () => {
  let attempts = 0;
  const term = fakeTerminal(80, 60);
  const stop = new AbortController();
  const ended = runLivePane(
    {
      site,
      sessions: [fakeSession(0, fakeGateway()), fakeSession(1, { ...fakeGateway(), fail: true })],
      reconnect: async () => {
        attempts++;
        throw new Error("connect ECONNREFUSED 192.0.2.12:2222");
      },
      intervalSec: 0.02,
      backoffMs: (n) => n * 10,
    },
    term,
    stop.signal,
  );
  const f = await until("third attempt", term.screen, (x) => /reconnecting #3/.test(x));
  assert.match(f, /alpha 10\.10\.10\.0\/24 <-> beta 10\.10\.11\.0\/24: beta unreachable/);
  assert.ok(attempts >= 2);
  stop.abort();
  await ended;
});
