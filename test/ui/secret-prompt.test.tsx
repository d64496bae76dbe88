import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { cleanup, render } from "ink-testing-library";
import type { Secret } from "../../src/core/secret.ts";
import { SecretPrompt } from "../../src/ui/components/SecretPrompt.tsx";
import { frame, frameWith, KEY, press } from "./helpers/drive.ts";

afterEach(() => cleanup());

function prompt() {
  const answers: (Secret | undefined)[] = [];
  const r = render(<SecretPrompt question="sudo on beta (ops@198.51.100.7) asks for a password" why="(Esc: do not give one)" label="sudo password" onAnswer={(s) => answers.push(s)} />);
  return { r, answers };
}

test("an empty Enter says the password is empty and asks again; nothing is answered", async () => {
  const { r, answers } = prompt();
  await frameWith(r, "sudo password:");
  await press(r, KEY.enter);
  const again = await frameWith(r, "The sudo password is empty: type it and press Enter, or press Esc to skip.");
  assert.match(again, /│ sudo password: +│/);
  assert.deepEqual(answers, []);
  await press(r, "s", "3", "c", "r", "3", "t");
  assert.doesNotMatch(frame(r), /is empty/, "typing clears the warning");
  assert.doesNotMatch(frame(r), /s3cr3t/);
  await press(r, KEY.enter);
  assert.equal(answers.length, 1);
  assert.equal((answers as (Secret | undefined)[])[0]?.reveal(), "s3cr3t");
});

test("Esc after an empty Enter skips (no password)", async () => {
  const { r, answers } = prompt();
  await frameWith(r, "sudo password:");
  await press(r, KEY.enter);
  await frameWith(r, "is empty");
  await press(r, KEY.esc);
  assert.deepEqual(answers, [undefined]);
});
