import type { Secret } from "../core/secret.ts";
import type { UnknownHostInfo } from "./ssh/host-key.ts";

/**
 * Everything a run may need to ask a person. The wizard answers with prompts on screen;
 * non-interactive runs answer from flags and environment variables, or refuse.
 */
export type Prompts = {
  readonly askPassphrase: (keyPath: string) => Promise<string | undefined>;
  readonly onUnknownHost: (info: UnknownHostInfo & { readonly jumpHost?: string }) => Promise<boolean>;
  readonly recordNewHostKeys: boolean;
  /** --accept-new-host-keys was given: new hosts are trusted even under StrictHostKeyChecking yes. */
  readonly acceptNewHostKeys?: boolean;
  /** False when no person can answer (scripts): messages then name flags and environment variables. */
  readonly interactive?: boolean;
  /** The sudo password for a site, or undefined when none can be had. */
  readonly sudoPassword: (site: string) => Promise<Secret | undefined>;
  /** A sudo password already at hand (environment, an earlier answer), sent with the first round trip. */
  readonly knownSudoPassword: (site: string) => Secret | undefined;
};
