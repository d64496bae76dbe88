import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import ssh2, { type ParsedKey } from "ssh2";
import { PassphraseUnavailableError } from "./passphrase.ts";

/** Returns the passphrase for an encrypted key, or undefined to skip that key. */
export type AskPassphrase = (keyPath: string) => Promise<string | undefined>;

/** A key ready to sign with, or why it cannot be used (a path and a reason, never a secret). */
export type LoadedKey = { readonly key: ParsedKey; readonly skipped?: undefined } | { readonly key?: undefined; readonly skipped?: string };

const PASSPHRASE_TRIES = 3;

/**
 * The private keys of one run, each read and decrypted once: both gateways and every
 * jump host share them, so a passphrase is asked (or read from the environment) once per
 * key, even when two connections want the same key at the same moment.
 */
export class KeyCache {
  private readonly keys = new Map<string, Promise<LoadedKey>>();

  constructor(private readonly ask: AskPassphrase) {}

  load(file: string): Promise<LoadedKey> {
    const path = resolve(file);
    let loaded = this.keys.get(path);
    if (loaded === undefined) {
      loaded = loadKey(file, this.ask);
      this.keys.set(path, loaded);
    }
    return loaded;
  }
}

// One cache per asker: a run hands the same Prompts to every connection it opens.
const caches = new WeakMap<AskPassphrase, KeyCache>();

export function keyCacheFor(ask: AskPassphrase): KeyCache {
  let cache = caches.get(ask);
  if (cache === undefined) {
    cache = new KeyCache(ask);
    caches.set(ask, cache);
  }
  return cache;
}

/** Reads and, if needed, decrypts a private key; no key means skip it (missing, unusable, or declined). */
async function loadKey(file: string, ask: AskPassphrase): Promise<LoadedKey> {
  if (!existsSync(file)) return {};
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return {};
  }
  const plain = ssh2.utils.parseKey(data);
  if (!(plain instanceof Error)) return usable(plain, file);
  if (!/no passphrase given/i.test(plain.message)) return { skipped: `${file} (unusable: ${plain.message})` };
  for (let attempt = 0; attempt < PASSPHRASE_TRIES; attempt++) {
    let passphrase: string | undefined;
    try {
      passphrase = await ask(file);
    } catch (err) {
      if (!(err instanceof PassphraseUnavailableError)) throw err;
      return { skipped: err.message };
    }
    if (passphrase === undefined) return { skipped: `${file} (encrypted; no passphrase given)` };
    const key = ssh2.utils.parseKey(data, passphrase);
    if (!(key instanceof Error)) return usable(key, file);
  }
  return { skipped: `${file} (the passphrase did not decrypt it)` };
}

function usable(parsed: ParsedKey | ParsedKey[], file: string): LoadedKey {
  const k = Array.isArray(parsed) ? parsed[0] : parsed;
  return k !== undefined && k.isPrivateKey() ? { key: k } : { skipped: `${file} (not a private key)` };
}
