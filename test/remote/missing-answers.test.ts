import assert from "node:assert/strict";
import { test } from "node:test";
import { missingSudoPassword } from "../../src/remote/gateways.ts";

const beta = { name: "beta", ssh: "ops@198.51.100.7" };

test("non-interactive: names the environment variables to set", () => {
  assert.equal(missingSudoPassword(beta, false),
    "beta: sudo needs a password for ops@198.51.100.7; set WGSITE_SUDO_PASSWORD_BETA (or WGSITE_SUDO_PASSWORD), or allow passwordless sudo");
});

test("the wizard: speaks to the person at the keyboard, not of environment variables", () => {
  const text = missingSudoPassword(beta, true);
  assert.equal(text, "beta: sudo on ops@198.51.100.7 needs a password and none was given; press Enter to connect again and type it when asked, " +
    "or allow passwordless sudo for that user on the gateway");
  assert.doesNotMatch(text, /WGSITE_|environment/);
});
