import assert from "node:assert/strict";
import { test } from "node:test";
import { sparkline } from "../../../src/ui/status/sparkline.ts";

test("sparkline: scaled to the maximum, right-aligned, the last values only", () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8), "▁▂▃▄▅▆▇█");
  assert.equal(sparkline([10, 10], 4), "  ██");
  assert.equal(sparkline([0, 0, 0], 3), "▁▁▁");
  assert.equal(sparkline([1, 2, 3, 4, 5, 6, 7, 8, 9, 9], 4), "▆▇██");
});
