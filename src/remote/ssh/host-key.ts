import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { HostKeyError } from "./errors.ts";
import {
  checkHostKey,
  fingerprint,
  hashedKnownHostLine,
  keyTypeOf,
  knownHostName,
  parseKnownHosts,
  type KnownHostEntry,
} from "./known-hosts.ts";

export type UnknownHostInfo = {
  readonly label: string;
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  readonly fingerprint: string;
  /** Key types already known for this host, when the server offered a new type. */
  readonly otherKnownTypes: readonly string[];
};

export type HostKeyPolicy = {
  /** Asked only for keys not in known_hosts; resolve true to trust the key. */
  readonly onUnknownHost: (info: UnknownHostInfo) => Promise<boolean>;
  /** Append accepted keys, hashed, to the first known_hosts file. */
  readonly recordNewHostKeys: boolean;
};

export type HostKeyTarget = { readonly host: string; readonly port: number; readonly knownHostsFiles: readonly string[] };

export function readKnownHosts(files: readonly string[]): KnownHostEntry[] {
  return files.flatMap((file) => (existsSync(file) ? parseKnownHosts(readFileSync(file, "utf8"), file) : []));
}

/** Resolves when the key may be used; rejects with HostKeyError otherwise. Never trusts silently. */
export async function verifyHostKey(
  label: string,
  target: HostKeyTarget,
  key: Buffer,
  policy: HostKeyPolicy,
): Promise<void> {
  const name = knownHostName(target.host, target.port);
  const keyType = keyTypeOf(key) ?? "unknown";
  const fp = fingerprint(key);
  const where = `${target.host}:${target.port}`;
  const result = checkHostKey(readKnownHosts(target.knownHostsFiles), name, key);
  switch (result.status) {
    case "ok":
      return;
    case "revoked":
      throw new HostKeyError("revoked", label, target.host, target.port, fp,
        `host key of ${label} (${where}) is marked @revoked in ${result.location}: refusing to connect (${keyType} ${fp})`,
        result.location);
    case "changed": {
      const file = result.location.slice(0, result.location.lastIndexOf(":"));
      throw new HostKeyError("changed", label, target.host, target.port, fp,
        `HOST KEY CHANGED for ${label} (${where}): the server offers ${keyType} ${fp}, but ${result.location} ` +
        `holds a different ${keyType} key for it. Either someone is intercepting the connection or the gateway ` +
        `was reinstalled; if you know it was, remove the old entry with: ssh-keygen -R '${name}' -f ${file}`,
        result.location);
    }
    case "unknown": {
      const accepted = await policy.onUnknownHost({
        label, host: target.host, port: target.port, keyType, fingerprint: fp, otherKnownTypes: result.otherTypes,
      });
      const file = target.knownHostsFiles[0];
      if (!accepted) {
        throw new HostKeyError("unknown", label, target.host, target.port, fp,
          `host key of ${label} (${where}) is not in ${target.knownHostsFiles.join(", ") || "any known_hosts file"} ` +
          `and was not accepted: ${keyType} ${fp}. Compare it with "ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub" ` +
          `on the gateway, then accept it or add it to known_hosts`);
      }
      if (policy.recordNewHostKeys && file !== undefined) recordHostKey(file, name, key);
      return;
    }
  }
}

/** Appends a hashed entry, like OpenSSH's accept-new with HashKnownHosts yes. */
export function recordHostKey(file: string, name: string, key: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // A file whose last line lacks its newline would otherwise glue the new entry onto it.
  const needsNewline = existsSync(file) && statSync(file).size > 0 && !readFileSync(file, "utf8").endsWith("\n");
  appendFileSync(file, (needsNewline ? "\n" : "") + hashedKnownHostLine(name, key), { mode: 0o600 });
}
