import { Secret } from "../core/secret.ts";
import type { Prompts } from "../remote/prompts.ts";
import { sudoPasswordEnvNames } from "../remote/sudo.ts";
import type { Prompt, PromptAnswer } from "./state.ts";

export type PromptRequest = Prompt extends infer P ? (P extends { id: number } ? Omit<P, "id"> : never) : never;

/**
 * The Prompts of a connection, answered on screen: host keys are shown with their SHA256
 * fingerprint and recorded once accepted; passphrases and sudo passwords are asked only when
 * needed (a sudo password may also come from WGSITE_SUDO_PASSWORD[_SITE]) and kept for this run;
 * each key is decrypted once for all connections of one connect (see KeyCache).
 */
export function screenPrompts(
  ask: (request: PromptRequest) => Promise<PromptAnswer>,
  targets: Readonly<Record<string, string>>,
  sudoCache: Map<string, Secret>,
  passphrases: Map<string, Secret> = new Map(),
  env: Record<string, string | undefined> = process.env,
): Prompts {
  const known = (site: string): Secret | undefined => {
    const [specific, general] = sudoPasswordEnvNames(site);
    const fromEnv = env[specific] ?? env[general];
    return fromEnv ? new Secret(fromEnv, "sudo password") : sudoCache.get(site);
  };
  // A passphrase typed on an earlier connect of this wizard is tried first, once, before asking again.
  const reused = new Set<string>();
  return {
    askPassphrase: async (keyPath) => {
      const earlier = passphrases.get(keyPath);
      if (earlier !== undefined && !reused.has(keyPath)) {
        reused.add(keyPath);
        return earlier.reveal();
      }
      reused.add(keyPath);
      const answer = await ask({ kind: "passphrase", keyPath });
      if (!(answer instanceof Secret)) return undefined;
      // Kept for this run: once the wizard has ended, the live pane's reconnects are answered with it.
      passphrases.set(keyPath, answer);
      return answer.reveal();
    },
    onUnknownHost: async (info) => (await ask({ kind: "host-key", info })) === true,
    recordNewHostKeys: true,
    knownSudoPassword: known,
    sudoPassword: async (site) => {
      const answer = await ask({ kind: "sudo", site, target: targets[site] ?? site });
      if (!(answer instanceof Secret)) return undefined;
      sudoCache.set(site, answer);
      return answer;
    },
  };
}
