/** Exit codes of every command: a public contract that scripts depend on. */
export const ExitCode = {
  Ok: 0,
  GatewayFailure: 1,
  InvalidInput: 2,
  ChecksFailing: 3,
  HostKeyRefused: 4,
  /** A bug in wgsite (EX_SOFTWARE from sysexits.h): not the input's fault, not the gateway's. */
  InternalError: 70,
} as const;

/** Shell convention for a process stopped by a signal: 128 + the signal's number. */
export const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that ends the run with a given exit code and a message meant for the operator. */
export class ExitError extends Error {
  constructor(
    readonly code: ExitCode,
    message: string,
  ) {
    super(message);
  }
}
