import { existsSync, readFileSync, statSync } from "node:fs";
import ssh2, { type AnyAuthMethod, type AuthHandlerMiddleware, type ParsedKey } from "ssh2";
import { keyCacheFor, type AskPassphrase, type KeyCache } from "./key-cache.ts";
import type { ResolvedTarget } from "./target.ts";

export type { AskPassphrase } from "./key-cache.ts";

export type AuthHooks = {
  readonly askPassphrase: AskPassphrase;
  /** The run's decrypted keys; defaults to the one shared by every connection with the same askPassphrase. */
  readonly keys?: KeyCache;
  /** Defaults to SSH_AUTH_SOCK. */
  readonly agentSocket?: string;
  /** Called around user prompts so the caller can stop its timeout while a person types. */
  readonly onPromptStart?: () => void;
  readonly onPromptEnd?: () => void;
};

export type AuthState = {
  readonly handler: AuthHandlerMiddleware;
  /** What was tried, for the failure message (paths and "ssh-agent", never secrets). */
  readonly tried: string[];
  /** Keys that could not be used and why, e.g. an encrypted key with no passphrase available. */
  readonly skipped: string[];
  /** Set when a hook threw (e.g. no passphrase available); the connect fails with it. */
  fatal?: unknown;
};

// ssh2 takes `false` for "no more methods"; its typings leave that out.
const NO_MORE = false as unknown as AnyAuthMethod;

type Progress = Omit<AuthState, "handler">;

/**
 * OpenSSH's order: the agent, then each identity file (decrypting on demand).
 * Methods are produced lazily so a passphrase is asked only if earlier ones failed.
 */
export function makeAuth(target: ResolvedTarget, hooks: AuthHooks): AuthState {
  const progress: Progress = { tried: [], skipped: [] };
  const steps = candidates(target, hooks, progress);
  const handler: AuthHandlerMiddleware = (methodsLeft, _partial, next) => {
    // A server that no longer offers publickey cannot be satisfied by anything we have.
    if (methodsLeft !== null && methodsLeft !== undefined && !methodsLeft.includes("publickey")) {
      next(NO_MORE);
      return;
    }
    steps.next().then(
      (r) => next(r.done ? NO_MORE : r.value),
      (err: unknown) => {
        progress.fatal = err;
        next(NO_MORE);
      },
    );
  };
  return Object.assign(progress, { handler });
}

async function* candidates(target: ResolvedTarget, hooks: AuthHooks, state: Progress): AsyncGenerator<AnyAuthMethod> {
  const username = target.user;
  // IdentityAgent from the ssh config beats the caller's default (SSH_AUTH_SOCK), as in OpenSSH.
  const socket = target.identityAgent === "none" ? undefined : target.identityAgent ?? hooks.agentSocket ?? process.env.SSH_AUTH_SOCK;
  if (target.identityAgent !== undefined && target.identityAgent !== "none" && !isSocket(target.identityAgent)) {
    state.skipped.push(`IdentityAgent ${target.identityAgent} (no agent listens there)`);
  }
  if (socket && isSocket(socket)) {
    const agent = target.identitiesOnly ? filteredAgent(socket, identityPublicKeys(target.identityFiles)) : socket;
    if (agent !== undefined) {
      state.tried.push(target.identityAgent === undefined ? "ssh-agent" : `ssh-agent at ${socket} (IdentityAgent)`);
      yield { type: "agent", username, agent };
    }
  }
  const keys = hooks.keys ?? keyCacheFor(hooks.askPassphrase);
  for (const file of target.identityFiles) {
    // Loading may wait for a person (this connection's prompt or another's for the same key).
    hooks.onPromptStart?.();
    let loaded;
    try {
      loaded = await keys.load(file);
    } finally {
      hooks.onPromptEnd?.();
    }
    if (loaded.skipped !== undefined) state.skipped.push(loaded.skipped);
    const key = loaded.key;
    if (key === undefined) continue;
    state.tried.push(file);
    yield { type: "publickey", username, key };
  }
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** Public halves of the identity files, from `.pub` files or unencrypted private keys. */
function identityPublicKeys(files: readonly string[]): Buffer[] {
  const keys: Buffer[] = [];
  for (const file of files) {
    for (const candidate of [`${file}.pub`, file]) {
      if (!existsSync(candidate)) continue;
      const parsed = ssh2.utils.parseKey(readFileSync(candidate));
      if (parsed instanceof Error) continue;
      const k = Array.isArray(parsed) ? parsed[0] : parsed;
      if (k) {
        keys.push(k.getPublicSSH());
        break;
      }
    }
  }
  return keys;
}

/** With IdentitiesOnly, offer only agent keys that match a configured identity (avoids MaxAuthTries lockouts). */
function filteredAgent(socket: string, allowed: Buffer[]): ssh2.OpenSSHAgent | undefined {
  if (allowed.length === 0) return undefined;
  class Filtered extends ssh2.OpenSSHAgent {
    override getIdentities(cb: Parameters<ssh2.OpenSSHAgent["getIdentities"]>[0]): void {
      super.getIdentities((err, keys) => {
        // The agent protocol hands back parsed keys, whatever the typings' union says.
        cb(err, keys?.filter((k) => allowed.some((a) => a.equals((k as ParsedKey).getPublicSSH()))));
      });
    }
  }
  return new Filtered(socket);
}
