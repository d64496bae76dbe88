import assert from "node:assert/strict";
import { test } from "node:test";
import { TerminalLines } from "../../../src/ui/status/terminal-lines.ts";
import { VtScreen } from "./vt-screen.ts";

const frame = (n: number, tag: (i: number) => string) => Array.from({ length: n }, (_, i) => `line ${i} ${tag(i)}`);

test("below what was on screen: the first frame, then only the changed lines, the last frame stays after end", () => {
  const vt = new VtScreen(40, 12);
  vt.write("$ wgsite status -c site.yaml\n");
  const lines = new TerminalLines(vt);
  lines.draw(frame(5, () => "a"), vt.rows);
  assert.equal(vt.text(), ["$ wgsite status -c site.yaml", ...frame(5, () => "a")].join("\n"));
  assert.equal(vt.cursorVisible, false);

  const before = vt.printed;
  lines.draw(frame(5, (i) => (i === 1 || i === 3 ? "b" : "a")), vt.rows);
  assert.equal(vt.text(), ["$ wgsite status -c site.yaml", ...frame(5, (i) => (i === 1 || i === 3 ? "b" : "a"))].join("\n"));
  assert.equal(vt.printed - before, 2 * "line 1 b".length, "only the two changed lines are written");

  const steady = vt.printed;
  lines.draw(frame(5, (i) => (i === 1 || i === 3 ? "b" : "a")), vt.rows);
  assert.equal(vt.printed, steady, "an unchanged frame writes nothing");

  lines.end();
  assert.equal(vt.cursorVisible, true);
  vt.write("$ ");
  assert.equal(vt.text(), ["$ wgsite status -c site.yaml", ...frame(5, (i) => (i === 1 || i === 3 ? "b" : "a")), "$"].join("\n"));
});

test("frames of changing height, lines as wide as the terminal, any mix of changes: the screen always shows the last frame", () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const vt = new VtScreen(30, 20);
  const lines = new TerminalLines(vt);
  for (let round = 0; round < 300; round++) {
    const n = 1 + Math.floor(random() * 20);
    const next = Array.from({ length: n }, (_, i) => (random() < 0.3 ? "" : `${i}:${"x".repeat(Math.floor(random() * 40))}`.slice(0, 30)));
    lines.draw(next, vt.rows);
    assert.equal(vt.text(), next.map((l) => l.trimEnd()).join("\n").replace(/\n+$/, ""), `round ${round}`);
  }
});

test("taller than the terminal: cut to its height, nothing scrolls away", () => {
  const vt = new VtScreen(20, 6);
  const lines = new TerminalLines(vt);
  lines.draw(frame(9, () => "a"), vt.rows);
  lines.draw(frame(9, (i) => (i === 0 ? "z" : "a")), vt.rows);
  assert.equal(vt.text(), frame(6, (i) => (i === 0 ? "z" : "a")).join("\n"));
});

test("after a resize the screen is cleared and drawn again from the top", () => {
  const vt = new VtScreen(20, 8);
  vt.write("earlier output\n");
  const lines = new TerminalLines(vt);
  lines.draw(frame(3, () => "a"), vt.rows);
  lines.resized();
  lines.draw(frame(4, () => "b"), vt.rows);
  assert.equal(vt.text(), frame(4, () => "b").join("\n"));
});
