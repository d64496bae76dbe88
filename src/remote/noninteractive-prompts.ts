import { Secret } from "../core/secret.ts";
import type { Prompts } from "./prompts.ts";
import { sudoPasswordEnvNames } from "./sudo.ts";
import { passphraseFromEnv } from "./ssh/passphrase.ts";

/** Answers from flags and the environment only: a run in a script never waits for a person. */
export function nonInteractivePrompts(acceptNewHostKeys: boolean, env: Record<string, string | undefined> = process.env): Prompts {
  const fromEnv = (site: string) => {
    const [specific, general] = sudoPasswordEnvNames(site);
    const value = env[specific] ?? env[general];
    return value ? new Secret(value, "sudo password") : undefined;
  };
  return {
    askPassphrase: passphraseFromEnv(env),
    onUnknownHost: async () => acceptNewHostKeys,
    recordNewHostKeys: acceptNewHostKeys,
    acceptNewHostKeys,
    interactive: false,
    sudoPassword: async (site) => fromEnv(site),
    knownSudoPassword: fromEnv,
  };
}

