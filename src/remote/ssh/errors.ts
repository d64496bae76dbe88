/**
 * Failures of the SSH layer. Each carries a `kind` so the CLI can map it to an
 * exit code and a hint without parsing messages; messages never contain secrets.
 */

export type SshErrorKind =
  | "connect-timeout"
  | "auth"
  | "refused"
  | "unreachable"
  | "lost"
  /** A command outlived its `timeoutMs`; the connection itself is still usable. */
  | "command-timeout";

export class SshError extends Error {
  override readonly name = "SshError";
  constructor(
    readonly kind: SshErrorKind,
    readonly label: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `other-type`: the host is known by a key type it no longer offers. */
export type HostKeyErrorKind = "unknown" | "changed" | "revoked" | "other-type";

/** A host key was refused; the CLI maps every HostKeyError to exit code 4. */
export class HostKeyError extends Error {
  override readonly name = "HostKeyError";
  constructor(
    readonly kind: HostKeyErrorKind,
    readonly label: string,
    readonly host: string,
    readonly port: number,
    readonly fingerprint: string,
    message: string,
    /** `file:line` of the conflicting entry, set when kind is "changed", "other-type" or "revoked". */
    readonly location?: string,
  ) {
    super(message);
  }
}
