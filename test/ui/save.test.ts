import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { saveAtomically } from "../../src/ui/services.ts";

test("the site file is written whole beside its place, then renamed over it; no temporary file is left", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wgsite-save-"));
  const path = join(dir, "alpha-beta.yaml");
  writeFileSync(path, "old\n");
  assert.equal(await saveAtomically(path, "tunnel: {}\n"), path);
  assert.equal(readFileSync(path, "utf8"), "tunnel: {}\n");
  assert.deepEqual(readdirSync(dir), ["alpha-beta.yaml"]);
});

test("a folder that does not exist: a message that says what to do, nothing written", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wgsite-save-"));
  await assert.rejects(saveAtomically(join(dir, "nope", "site.yaml"), "x"), /nope does not exist; create it first or choose another place/);
  assert.deepEqual(readdirSync(dir), []);
});

test("a folder given as the file: the message asks for a file name", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wgsite-save-"));
  await assert.rejects(saveAtomically(dir, "x"), /is a directory; add a file name/);
  assert.deepEqual(readdirSync(dir), []);
});
