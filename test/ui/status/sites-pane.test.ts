import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { runSitesPane } from "../../../src/ui/status/sites-pane.ts";
import { siteOf } from "../../helpers/applied-facts.ts";
import { sitesSessions } from "../../status/helpers.ts";
import { until } from "./fake-gateways.ts";
import { plain } from "./helpers.ts";
import { VtScreen } from "./vt-screen.ts";

/** Six sites in a mesh, 10.10.(10+i).0/24. */
const SIX = siteOf(
  `tunnel: { network: 10.10.9.0/29 }\nsites:\n${["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    .map((name, i) => `  ${name}:\n    lan: [10.10.${10 + i}.0/24]\n    endpoint: 203.0.113.${i + 1}\n    interface: wg${i}\n    ssh: root@203.0.113.${i + 1}\n`)
    .join("")}firewall: { restrictPort: false }\n`,
);

function terminal(columns: number, rows: number) {
  const vt = new VtScreen(columns, rows);
  const stdin = Object.assign(new PassThrough(), { raw: false, setRawMode(raw: boolean) {
    stdin.raw = raw;
    return stdin;
  } });
  const stdout = Object.assign(new EventEmitter(), { columns, rows, write: (text: string) => vt.write(text) });
  return { vt, stdin, stdout, screen: () => plain(vt.text()) };
}

const sessions = (deadPairs: readonly string[] = []) => sitesSessions(SIX, deadPairs);

test("six sites fit 80x24: 15 pair lines, then one gateway's detail; ←/→ switch the gateway; q ends", async () => {
  const term = terminal(80, 24);
  const { sessions: s, ticks } = sessions(["beta-delta"]);
  const ended = runSitesPane({ site: SIX, sessions: s, intervalSec: 0.02 }, term);
  let frame = await until("the first tick", term.screen, (f) => f.includes("alpha <-> beta"));
  const lines = frame.split("\n");
  assert.ok(lines.length <= 24, frame);
  assert.equal(lines.filter((l) => / <-> /.test(l)).length, 15, frame);
  assert.match(frame, /^✖ beta <-> delta: beta tunnel ping 10\.10\.9\.4 no answer$/m);
  assert.match(frame, /^alpha \(root@203\.0\.113\.1\) {2}wg0 {2}\[1\/6\]$/m);
  // Yellow: the fake probes measure no latency.
  assert.match(frame, /^ {2}! to beta {5}handshake 1 s ago {2}ping 10\.10\.9\.2 0\.5 ms {2}LAN 10\.10\.11\.1 0\.5 ms$/m);
  assert.equal(frame.split("\n").filter((l) => /^ {2}. to /.test(l)).length, 5);
  term.stdin.write("\x1b[C");
  frame = await until("beta's detail", term.screen, (f) => f.includes("[2/6]"));
  assert.match(frame, /^ {2}✖ to delta {4}tunnel ping 10\.10\.9\.4 no answer$/m);
  await until("a second tick", term.screen, () => ticks.every((n) => n >= 2));
  term.stdin.write("q");
  const { sessions: back, code } = await ended;
  assert.equal(back.length, 6);
  assert.equal(code, 0);
  assert.equal(term.stdin.raw, false, "raw mode off again");
  for (const line of term.screen().split("\n")) assert.ok(line.length <= 80, line);
});
