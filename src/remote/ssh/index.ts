// The SSH layer's public surface; the rest of the folder is implementation.
export { connectSsh, type ConnectOptions } from "./connect.ts";
export { HostKeyError, SshError, type HostKeyErrorKind, type SshErrorKind } from "./errors.ts";
export { resolveTarget, parseTargetSpec, type ResolvedTarget, type ResolveOptions, type TargetSpec } from "./target.ts";
export type { AskPassphrase } from "./auth.ts";
export type { UnknownHostInfo } from "./host-key.ts";
export { passphraseFromEnv, PassphraseUnavailableError } from "./passphrase.ts";
export { fingerprint } from "./known-hosts.ts";
