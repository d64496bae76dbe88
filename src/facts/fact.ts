import { Buffer } from "node:buffer";

/** What a fact's command is built from: the interface and port this run is about, and the peers' endpoint hosts. */
export type FactContext = { readonly iface: string; readonly port: number; readonly peerHosts?: readonly string[] };

/**
 * A fact is a shell command run on the gateway (as root) and a parser of its output.
 * All facts of a gateway travel in one batched command (gather.ts).
 */
export type Fact<T> = {
  readonly id: string;
  readonly command: (ctx: FactContext) => string;
  readonly parse: (output: string, ctx: FactContext) => T;
};

export function defineFact<T>(fact: Fact<T>): Fact<T> {
  return fact;
}

/** Decodes a `base64 -w0` capture; empty output means the file was absent. */
export function decodeFile(output: string): string | undefined {
  const trimmed = output.trim();
  if (trimmed === "" || trimmed === "-") return undefined;
  return Buffer.from(trimmed, "base64").toString("utf8");
}

export function fileCapture(path: string): string {
  return `if [ -f ${path} ]; then base64 -w0 < ${path}; else echo -; fi`;
}
