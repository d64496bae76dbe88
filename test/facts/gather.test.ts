import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { factsScript, gatherScript, parseGather, splitFacts } from "../../src/facts/gather.ts";

/**
 * Each folder under test/fixtures/facts/ holds a real capture of the facts round trip from a lab
 * gateway (output.txt), the interface it was about (iface) and the parsed value (expected.json).
 * UPDATE_FIXTURES=1 rewrites expected.json from the parser, for review in the diff.
 */
const DIR = new URL("../fixtures/facts/", import.meta.url);

for (const name of readdirSync(DIR).filter((n) => existsSync(new URL(`${n}/output.txt`, DIR)))) {
  test(`facts capture: ${name}`, () => {
    const output = readFileSync(new URL(`${name}/output.txt`, DIR), "utf8");
    const iface = readFileSync(new URL(`${name}/iface`, DIR), "utf8").trim();
    const parsed = parseGather(output, { iface, port: 51000 });
    const expectedFile = new URL(`${name}/expected.json`, DIR);
    if (process.env.UPDATE_FIXTURES) writeFileSync(expectedFile, `${JSON.stringify(parsed, null, 2)}\n`);
    assert.deepEqual(JSON.parse(JSON.stringify(parsed)), JSON.parse(readFileSync(expectedFile, "utf8")));
  });
}

test("each fact's output is framed so one parser splits them", () => {
  const parts = splitFacts("@@wgsite-fact a\none\ntwo\n\n@@wgsite-fact-end\n@@wgsite-fact b\n\n@@wgsite-fact-end\n");
  assert.equal(parts.get("a"), "one\ntwo");
  assert.equal(parts.get("b"), "");
});

test("the facts script names the interface and never reads a private key out", () => {
  const script = factsScript({ iface: "wgA", port: 51000 });
  assert.match(script, /\/etc\/wireguard\/wgA\.conf/);
  assert.doesNotMatch(script, /cat \/etc\/wireguard\/wgA\.key/);
  assert.match(script, /wg pubkey < \/etc\/wireguard\/wgA\.key/);
});

test("gather tries root, then sudo -n, then sudo -S with a password from stdin only", () => {
  const withPassword = gatherScript({ iface: "wgA", port: 51000 }, true);
  assert.match(withPassword, /sudo -S -k -p '' sh -c/);
  const without = gatherScript({ iface: "wgA", port: 51000 }, false);
  assert.doesNotMatch(without, /sudo -S/);
  assert.match(without, /@@priv need-password/);
});
