import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { HostKeyError } from "./errors.ts";
import type { StrictHostKeyChecking } from "./target.ts";
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
  /** --accept-new-host-keys: trusts a new host even where the ssh config says StrictHostKeyChecking yes. */
  readonly acceptNewHostKeys?: boolean;
};

export type HostKeyTarget = {
  readonly host: string;
  readonly port: number;
  /** UserKnownHostsFile; new keys go to the first. */
  readonly knownHostsFiles: readonly string[];
  /** GlobalKnownHostsFile: trusted, never written. */
  readonly globalKnownHostsFiles?: readonly string[];
  readonly hostKeyAlias?: string;
  readonly strictHostKeyChecking?: StrictHostKeyChecking;
};

/** The name OpenSSH looks the host up under: HostKeyAlias as written, else host or `[host]:port`. */
export function lookupName(target: HostKeyTarget): string {
  return target.hostKeyAlias !== undefined ? target.hostKeyAlias.toLowerCase() : knownHostName(target.host, target.port);
}

/** Every known_hosts file OpenSSH reads for the target, user files first. */
export function knownHostsFilesOf(target: HostKeyTarget): string[] {
  return [...target.knownHostsFiles, ...(target.globalKnownHostsFiles ?? [])];
}

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
  const name = lookupName(target);
  const keyType = keyTypeOf(key) ?? "unknown";
  const fp = fingerprint(key);
  const where = `${target.host}:${target.port}${target.hostKeyAlias === undefined ? "" : `, HostKeyAlias ${target.hostKeyAlias}`}`;
  const files = knownHostsFilesOf(target);
  const result = checkHostKey(readKnownHosts(files), name, key);
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
      const file = target.knownHostsFiles[0];
      if (result.otherTypes.length > 0) {
        // A known host that stops offering its recorded key type is as suspect as a changed key.
        const location = result.locations[0]!;
        throw new HostKeyError("other-type", label, target.host, target.port, fp,
          `HOST KEY TYPE CHANGED for ${label} (${where}): known_hosts holds a ${result.otherTypes.join(", ")} key for it ` +
          `(${location}), but the server offers only ${keyType} ${fp}. Either someone is intercepting the connection or ` +
          `the gateway's host keys were replaced; if you know they were, remove the old entry with: ` +
          `ssh-keygen -R '${name}' -f ${location.slice(0, location.lastIndexOf(":"))}, then connect again to record the new key`,
          location);
      }
      const strict = target.strictHostKeyChecking ?? "ask";
      let accepted: boolean;
      let record = policy.recordNewHostKeys;
      if (policy.acceptNewHostKeys === true) {
        accepted = true;
        record = true;
      } else if (strict === "yes") {
        throw new HostKeyError("unknown", label, target.host, target.port, fp,
          `host key of ${label} (${where}) is not in ${files.join(", ") || "any known_hosts file"} and the ssh config ` +
          `says StrictHostKeyChecking yes: ${keyType} ${fp}. Compare it with "ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub" ` +
          `on the gateway, then add it to known_hosts`);
      } else if (strict === "accept-new" || strict === "no") {
        // What OpenSSH does for these settings: trust and record a host never seen before.
        accepted = true;
        record = true;
      } else {
        accepted = await policy.onUnknownHost({
          label, host: target.host, port: target.port, keyType, fingerprint: fp, otherKnownTypes: result.otherTypes,
        });
      }
      if (!accepted) {
        throw new HostKeyError("unknown", label, target.host, target.port, fp,
          `host key of ${label} (${where}) is not in ${files.join(", ") || "any known_hosts file"} ` +
          `and was not accepted: ${keyType} ${fp}. Compare it with "ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub" ` +
          `on the gateway, then accept it or add it to known_hosts`);
      }
      if (record && file !== undefined) recordHostKey(file, name, key);
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
