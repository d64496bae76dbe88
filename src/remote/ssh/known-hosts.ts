import { createHash, createHmac, randomBytes } from "node:crypto";

/** One usable line of a known_hosts file. */
export type KnownHostEntry = {
  readonly file: string;
  readonly line: number;
  readonly marker?: "revoked" | "cert-authority";
  /** Host patterns, or one `|1|salt|hash` hashed name. */
  readonly names: string;
  /** The key type written inside the key blob (e.g. `ssh-rsa` even for rsa-sha2-512). */
  readonly keyType: string;
  readonly key: Buffer;
};

export type HostKeyCheck =
  | { readonly status: "ok" }
  /** `otherTypes`: key types recorded for the name, at `locations` (file:line), none of them offered. */
  | { readonly status: "unknown"; readonly otherTypes: readonly string[]; readonly locations: readonly string[] }
  | { readonly status: "changed"; readonly location: string }
  | { readonly status: "revoked"; readonly location: string };

/** The name OpenSSH looks up: bare host on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split("\n").forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === "" || fields[0]!.startsWith("#")) return;
    let marker: KnownHostEntry["marker"];
    if (fields[0] === "@revoked" || fields[0] === "@cert-authority") {
      marker = fields[0] === "@revoked" ? "revoked" : "cert-authority";
      fields.shift();
    } else if (fields[0]!.startsWith("@")) {
      return; // An unknown marker: OpenSSH ignores the line too.
    }
    const [names, , b64] = fields;
    if (names === undefined || b64 === undefined) return;
    const key = Buffer.from(b64, "base64");
    const keyType = keyTypeOf(key);
    if (keyType === undefined) return;
    entries.push({ file, line: index + 1, marker, names, keyType, key });
  });
  return entries;
}

/** Does a known_hosts name field match `name` (from knownHostName)? */
export function namesMatch(names: string, name: string): boolean {
  if (names.startsWith("|1|")) {
    const [, , salt, hash] = names.split("|");
    if (salt === undefined || hash === undefined) return false;
    return hashWithSalt(name, Buffer.from(salt, "base64")) === hash;
  }
  let matched = false;
  for (const pattern of names.split(",")) {
    const negated = pattern.startsWith("!");
    if (globMatch(negated ? pattern.slice(1) : pattern, name)) {
      // A matching negation rejects the line whatever else matched.
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function globMatch(pattern: string, name: string): boolean {
  const re = pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(name);
}

/**
 * Compares a server's key with every entry for `name`, across files in order,
 * with OpenSSH's precedence: revoked, then a match, then a same-type mismatch.
 * Keys of other types for the same name leave it unknown, naming those types and lines.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyCheck {
  const keyType = keyTypeOf(key);
  const mine = entries.filter((e) => e.marker !== "cert-authority" && namesMatch(e.names, name));
  const revoked = mine.find((e) => e.marker === "revoked" && e.key.equals(key));
  if (revoked) return { status: "revoked", location: `${revoked.file}:${revoked.line}` };
  const plain = mine.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.key.equals(key))) return { status: "ok" };
  const changed = plain.find((e) => e.keyType === keyType);
  if (changed) return { status: "changed", location: `${changed.file}:${changed.line}` };
  return { status: "unknown", otherTypes: [...new Set(plain.map((e) => e.keyType))], locations: plain.map((e) => `${e.file}:${e.line}`) };
}

/** Key types already trusted for `name`, so the handshake can ask for those first as OpenSSH does. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  return [...new Set(
    entries.filter((e) => e.marker === undefined && namesMatch(e.names, name)).map((e) => e.keyType),
  )];
}

/** A hashed known_hosts line (HashKnownHosts style), with its trailing newline. */
export function hashedKnownHostLine(name: string, key: Buffer, salt: Buffer = randomBytes(20)): string {
  const hashed = `|1|${salt.toString("base64")}|${hashWithSalt(name, salt)}`;
  return `${hashed} ${keyTypeOf(key) ?? "unknown"} ${key.toString("base64")}\n`;
}

function hashWithSalt(name: string, salt: Buffer): string {
  return createHmac("sha1", salt).update(name).digest("base64");
}

/** `SHA256:...` exactly as OpenSSH prints it (unpadded base64). */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/** The type string at the start of an SSH wire-format public key blob. */
export function keyTypeOf(key: Buffer): string | undefined {
  if (key.length < 4) return undefined;
  const len = key.readUInt32BE(0);
  if (len === 0 || len > 64 || key.length < 4 + len) return undefined;
  const type = key.subarray(4, 4 + len).toString("latin1");
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}
