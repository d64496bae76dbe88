/**
 * wgsite's own OpenRC script, from plan to remove: the service-script step writes it, the journal
 * records it, `remove` deletes it (and the script only once no other interface's symlink uses it).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { HostFacts } from "../../src/core/host-facts.ts";
import { nextJournal } from "../../src/core/journal.ts";
import { loadSite } from "../../src/core/load-site.ts";
import { plan } from "../../src/core/plan.ts";
import { removalSteps } from "../../src/core/removal.ts";
import { opsShell } from "../../src/remote/ops-shell.ts";
import { familyFacts } from "../helpers/family-facts.ts";

const loaded = loadSite(readFileSync(new URL("../../examples/alpha-beta.yaml", import.meta.url), "utf8"));
if (!loaded.ok) throw new Error("example invalid");
const site = loaded.site;
const fresh = JSON.parse(readFileSync(new URL("../fixtures/facts/fresh-debian.json", import.meta.url), "utf8")) as HostFacts;
const facts = familyFacts("debian12-lab-openrc", fresh);

test("the journal lists the script and the symlink wgsite installed; remove deletes both, the script only when unused", () => {
  const gp = plan({ site, facts: [facts, facts], runId: "R1" }).gateways[0];
  const journal = nextJournal(site.sites[0], facts, gp, "R1");
  assert.ok(journal.created.includes("/etc/init.d/wg-quick") && journal.created.includes("/etc/init.d/wg-quick.wgA"), journal.created.join(" "));
  const { steps } = removalSteps("wgA", { ...facts, journal, serviceScript: { script: true, link: true } }, false);
  const files = opsShell(steps.find((s) => s.id === "files")!.ops, { runId: "R2" });
  assert.match(files, /rm -f \/etc\/init\.d\/wg-quick\.wgA\n/);
  assert.match(files, /\[ -n "\$\(ls -d \/etc\/init\.d\/wg-quick\.\* 2>\/dev\/null\)" \] \|\| rm -f \/etc\/init\.d\/wg-quick/);
  assert.ok(files.indexOf("wg-quick.wgA\n") < files.indexOf("ls -d"), "the symlink goes first");
  assert.ok(steps[0]!.ops.some((o) => o.op === "unit" && o.init === "openrc" && o.action === "disable-stop"));
});

test("a gateway whose system ships the script: wgsite's journal does not claim it, remove leaves it", () => {
  const shipped = { ...facts, serviceScript: { script: true, link: false } };
  const gp = plan({ site, facts: [shipped, shipped], runId: "R1" }).gateways[0];
  const journal = nextJournal(site.sites[0], shipped, gp, "R1");
  assert.ok(!journal.created.includes("/etc/init.d/wg-quick"));
  const { steps } = removalSteps("wgA", { ...shipped, journal }, false);
  assert.doesNotMatch(opsShell(steps.find((s) => s.id === "files")!.ops, { runId: "R2" }), /ls -d/);
});
