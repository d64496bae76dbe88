import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { loadSite } from "../../src/core/load-site.ts";
import { formatProblems } from "../../src/core/site.ts";
import { decodeSiteText } from "../../src/flows/read-site.ts";

const EXAMPLES = new URL("../../examples/", import.meta.url);
const SEEDS = readdirSync(EXAMPLES).filter((f) => f.endsWith(".yaml")).sort().map((f) => readFileSync(new URL(f, EXAMPLES)));
/** A fixed seed and a fixed number of mutations: the same files every run, and no clock involved. */
const SEED = 0x15eed;
const ITERATIONS = 3000;

function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const PIECES = ["*a", "&a ", "!!str ", "\u001b[2J", "\n", ":", "- ", "[", "{", "'", '"', "__proto__", "\u0000", "%i", "::ffff:", "0x", "\t", "---\n", "? ", "0.0.0.0", "-h"];

function mutate(bytes: Buffer, rand: () => number): Buffer {
  let out = Buffer.from(bytes);
  for (let n = 1 + Math.floor(rand() * 4); n > 0; n--) {
    const at = Math.floor(rand() * (out.length + 1));
    const kind = Math.floor(rand() * 4);
    if (kind === 0) out = Buffer.concat([out.subarray(0, at), Buffer.from(PIECES[Math.floor(rand() * PIECES.length)]!), out.subarray(at)]);
    else if (kind === 1) out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + Math.floor(rand() * 8)))]);
    else if (kind === 2 && at < out.length) out[at] = Math.floor(rand() * 256);
    else out = Buffer.concat([out.subarray(0, at), out.subarray(Math.floor(rand() * out.length)), out.subarray(at)]);
  }
  return out;
}

test(`fuzz: ${ITERATIONS} mutations of the examples (seed ${SEED}) give a site or a bounded, escaped refusal, never a crash`, () => {
  const rand = prng(SEED);
  let refused = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const bytes = mutate(SEEDS[i % SEEDS.length]!, rand);
    const decoded = decodeSiteText(bytes);
    let result;
    try {
      result = decoded.ok ? loadSite(decoded.text) : { ok: false as const, problems: [decoded.problem] };
    } catch (error) {
      assert.fail(`mutation ${i} crashed (${(error as Error).message}):\n${bytes.toString("utf8")}`);
    }
    if (result.ok) continue;
    refused++;
    const lines = formatProblems(result.problems);
    assert.ok(lines.length >= 1 && lines.length <= 21, `mutation ${i}: ${lines.length} lines`);
    for (const line of lines) {
      assert.ok(line.length <= 310, `mutation ${i}: a line of ${line.length}`);
      assert.ok(!/[\u0000-\u001f\u007f]/.test(line), `mutation ${i}: raw control character in ${JSON.stringify(line)}`);
      assert.doesNotMatch(line, /\n\s+at |node_modules|parseAllDocuments|mapAsMap|trace-warnings/);
    }
  }
  assert.ok(refused > ITERATIONS / 2, `only ${refused} refused: the mutations are too mild`);
});
