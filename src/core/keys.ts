import { x25519 } from "@noble/curves/ed25519.js";
import { Buffer } from "node:buffer";
import { Secret } from "./secret.ts";

export type KeyPair = { readonly privateKey: Secret; readonly publicKey: string };

const KEY_RE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw480]=$/;

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

/** A WireGuard key is 32 bytes in base64: 43 characters and one '=' (the last character carries 4 bits). */
export function isValidKey(text: string): boolean {
  return KEY_RE.test(text);
}

/** Clamped as `wg genkey` does, so the stored private key is byte-identical to one wg would make. */
export function clamp(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[0] = out[0]! & 248;
  out[31] = (out[31]! & 127) | 64;
  return out;
}

export function publicKeyOf(privateKey: Secret | string): string {
  const text = typeof privateKey === "string" ? privateKey : privateKey.reveal();
  if (!isValidKey(text)) throw new Error("not a WireGuard private key (32 bytes, base64)");
  return toBase64(x25519.getPublicKey(fromBase64(text)));
}

export function generateKeyPair(): KeyPair {
  const raw = clamp(x25519.utils.randomSecretKey());
  const privateKey = new Secret(toBase64(raw), "private key");
  return { privateKey, publicKey: publicKeyOf(privateKey) };
}

/** A preshared key is 32 random bytes, unclamped, as `wg genpsk` makes it. */
export function generatePresharedKey(): Secret {
  return new Secret(toBase64(crypto.getRandomValues(new Uint8Array(32))), "preshared key");
}
