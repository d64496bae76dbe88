import assert from "node:assert/strict";
import { test } from "node:test";
import { loadSite } from "../../src/core/load-site.ts";
import { formatProblems } from "../../src/core/site.ts";
import { hostileCases } from "../fixtures/hostile/load.ts";

const cases = hostileCases();

test("the hostile corpus holds at least 150 files", () => assert.ok(cases.length >= 150, `${cases.length}`));

for (const c of cases) {
  test(`hostile ${c.name}: refused, naming ${c.field}, bounded and escaped`, () => {
    const result = loadSite(c.text);
    assert.equal(result.ok, false, "accepted");
    if (result.ok) return;
    const lines = formatProblems(result.problems);
    assert.ok(lines.some((l) => l.includes(c.field)), lines.join("\n"));
    assert.ok(lines.length <= 21 && lines.every((l) => l.length <= 310), "report not bounded");
    assert.ok(lines.every((l) => !/[\u0000-\u001f\u007f\u202e]/.test(l)), "raw control characters");
  });
}
