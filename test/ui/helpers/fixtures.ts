import { readFileSync } from "node:fs";
import type { HostFacts } from "../../../src/core/host-facts.ts";
import type { Site } from "../../../src/core/site.ts";
import { siteOf, DEFAULT_ANSWERS, type Answers } from "../../../src/ui/answers.ts";
import type { SshAlias } from "../../../src/ui/ssh-aliases.ts";
import { initialState, type WizardState } from "../../../src/ui/state.ts";

/** A bare Debian 12 gateway as the lab's alpha looks before wgsite (a real capture). */
export const FRESH: HostFacts = JSON.parse(readFileSync(new URL("../../fixtures/facts/fresh-debian.json", import.meta.url), "utf8")) as HostFacts;

export const FRESH_BETA: HostFacts = {
  ...FRESH,
  connected: [
    { dev: "host0", address: "192.0.2.2", cidr: "192.0.2.2/24" },
    { dev: "lan0", address: "10.10.11.1", cidr: "10.10.11.1/24" },
  ],
  privilege: "sudo-password",
};

export const ALIASES: readonly SshAlias[] = [
  { name: "alpha-gw", hostName: "192.0.2.1", user: "root", port: 22 },
  { name: "beta-gw", hostName: "192.0.2.2", user: "ops", port: 2222 },
];

/** Every answer given: the reference design on the lab's addresses. */
export const FILLED: Answers = { ...DEFAULT_ANSWERS, ssh0: "alpha-gw", ssh1: "beta-gw", endpoint0: "192.0.2.1", endpoint1: "192.0.2.2" };

export const SETTINGS = { sshConfig: "/lab/ssh_config", verifyTimeoutSec: 30, rollback: true, intervalSec: 1 } as const;

export function filledState(overrides: Partial<WizardState> = {}): WizardState {
  return { ...initialState({ answers: FILLED, aliases: ALIASES, settings: SETTINGS }), ...overrides };
}

export function filledSite(): Site {
  const result = siteOf(FILLED);
  if (!result.ok) throw new Error(`fixture answers invalid: ${JSON.stringify(result.problems)}`);
  return result.site;
}
