import type { AskPassphrase } from "./key-cache.ts";

/**
 * Thrown by an AskPassphrase that cannot get one. Authentication skips that
 * key and moves on (another key may work, as in OpenSSH's BatchMode); the
 * message is kept for the final error if nothing else works.
 */
export class PassphraseUnavailableError extends Error {
  override readonly name = "PassphraseUnavailableError";
}

/** Non-interactive runs: the passphrase comes from WGSITE_KEY_PASSPHRASE, tried once per key. */
export function passphraseFromEnv(env: Record<string, string | undefined> = process.env): AskPassphrase {
  const asked = new Set<string>();
  return async (keyPath) => {
    const value = env.WGSITE_KEY_PASSPHRASE;
    if (value === undefined || value === "") {
      throw new PassphraseUnavailableError(
        `${keyPath} is encrypted and there is no one to ask: set WGSITE_KEY_PASSPHRASE (or load the key into ssh-agent)`,
      );
    }
    if (asked.has(keyPath)) throw new PassphraseUnavailableError(`WGSITE_KEY_PASSPHRASE does not decrypt ${keyPath}`);
    asked.add(keyPath);
    return value;
  };
}
