import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli } from "../helpers/run-cli.ts";

test("without a terminal the wizard says how to run non-interactively and exits 2, no raw-mode crash", () => {
  const r = runCli([]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /standard input is not a terminal/);
  assert.match(r.stderr, /wgsite --non-interactive -c site\.yaml/);
  assert.doesNotMatch(r.stderr, /Raw mode|setRawMode|stack/i);
});

test("the same with a site file given: nothing is read or connected", () => {
  const r = runCli(["-c", "examples/alpha-beta.yaml"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--non-interactive -c site\.yaml/);
});
