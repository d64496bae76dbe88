import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { plan } from "../../src/core/plan.ts";
import { appliedFacts, siteOf } from "../helpers/applied-facts.ts";

/**
 * Edit cases: a gateway pair as a verified apply of before.yaml left it, then after.yaml. Each
 * folder says which steps change each gateway and what that does to the running tunnel.
 */
const DIR = new URL("../fixtures/edits/", import.meta.url);
type Expected = Record<"alpha" | "beta", { changed: string[]; traffic: string }>;

for (const name of readdirSync(DIR).sort()) {
  test(`edit case ${name}`, () => {
    const read = (file: string) => readFileSync(new URL(`${name}/${file}`, DIR), "utf8");
    const before = siteOf(read("before.yaml"));
    const after = siteOf(read("after.yaml"));
    const expected = JSON.parse(read("expected.json")) as Expected;
    const p = plan({ site: after, facts: [appliedFacts(before, 0, after), appliedFacts(before, 1, after)], runId: "R1" });
    for (const g of p.gateways) {
      const want = expected[g.site as "alpha" | "beta"];
      assert.deepEqual(g.steps.filter((s) => !s.noop).map((s) => s.id), want.changed, `${g.site}: steps that change`);
      assert.equal(g.traffic.effect, want.traffic, `${g.site}: ${g.traffic.text}`);
      // Whatever interrupts traffic, the undo of every changing step puts the previous tunnel back.
      for (const s of g.steps.filter((st) => !st.noop)) assert.ok(s.ops.length > 0, `${g.site}: ${s.id} has ops`);
    }
  });
}

test("the plan that follows a case's apply has nothing left to do (convergence)", () => {
  for (const name of readdirSync(DIR).sort()) {
    const after = siteOf(readFileSync(new URL(`${name}/after.yaml`, DIR), "utf8"));
    const p = plan({ site: after, facts: [appliedFacts(after, 0), appliedFacts(after, 1)], runId: "R2" });
    for (const g of p.gateways) assert.deepEqual(g.steps.filter((s) => !s.noop).map((s) => s.id), [], `${name}: ${g.site}`);
  }
});

test("a port change stops the unit (old PreDown) and sweeps marked rules before the new config is written", () => {
  const read = (file: string) => readFileSync(new URL(`port-changed/${file}`, DIR), "utf8");
  const before = siteOf(read("before.yaml"));
  const after = siteOf(read("after.yaml"));
  const [alpha] = plan({ site: after, facts: [appliedFacts(before, 0), appliedFacts(before, 1)], runId: "R1" }).gateways;
  const ids = alpha.steps.map((s) => s.id);
  assert.ok(ids.indexOf("stop") < ids.indexOf("config"));
  assert.deepEqual(alpha.steps.find((s) => s.id === "stop")!.ops, [{ op: "unit", init: "systemd", action: "stop", iface: "wgA" }, { op: "sweep-rules", iface: "wgA" }]);
  assert.deepEqual(alpha.steps.find((s) => s.id === "stop")!.undo, [{ op: "unit", init: "systemd", action: "start", iface: "wgA" }]);
});

test("a rename keeps the key, retires the old interface's files and unit, and its undo brings it back", () => {
  const read = (file: string) => readFileSync(new URL(`interfaces-renamed/${file}`, DIR), "utf8");
  const before = siteOf(read("before.yaml"));
  const after = siteOf(read("after.yaml"));
  const [alpha] = plan({ site: after, facts: [appliedFacts(before, 0, after), appliedFacts(before, 1, after)], runId: "R1" }).gateways;
  assert.deepEqual(alpha.steps.find((s) => s.id === "keys")!.ops, [{ op: "genkey", path: "/etc/wireguard/wg-alpha.key", reuse: "/etc/wireguard/wgA.key" }]);
  const retire = alpha.steps.find((s) => s.id === "retire")!;
  assert.deepEqual(retire.ops.slice(0, 2), [{ op: "unit", init: "systemd", action: "disable-stop", iface: "wgA" }, { op: "sweep-rules", iface: "wgA" }]);
  assert.ok(retire.ops.some((o) => o.op === "move" && o.from === "/var/lib/wgsite/wgA.json"));
  assert.deepEqual(retire.undo.at(-1), { op: "unit", init: "systemd", action: "enable-start", iface: "wgA" });
  assert.equal(alpha.steps.find((s) => s.id === "forwarding")!.noop, undefined, "the retired sysctl file goes: this interface writes its own");
});

test("a preshared key turned off leaves the journal's list of wgsite's files, as a fresh apply would", async () => {
  const { nextJournal } = await import("../../src/core/journal.ts");
  const before = siteOf(readFileSync(new URL("psk-turned-off/before.yaml", DIR), "utf8"));
  const after = siteOf(readFileSync(new URL("psk-turned-off/after.yaml", DIR), "utf8"));
  const facts = appliedFacts(before, 0);
  const [alpha] = plan({ site: after, facts: [facts, appliedFacts(before, 1)], runId: "R1" }).gateways;
  assert.ok(!nextJournal(after.sites[0], facts, alpha, "R1").created.includes("/etc/wireguard/wgA.psk"));
});
