import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli } from "../helpers/run-cli.ts";

test("status without a site file: exit 2 before anything connects", () => {
  const r = runCli(["status", "--once"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /status needs the site file: -c FILE/);
});

test("status with a site file that is not there: exit 2", () => {
  const r = runCli(["status", "-c", "test/fixtures/status/no-such-site.yaml", "--json"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no-such-site\.yaml: cannot read the site file/);
  assert.equal(r.stdout, "");
});
