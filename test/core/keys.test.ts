import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { x25519 } from "@noble/curves/ed25519.js";
import { clamp, generateKeyPair, generatePresharedKey, isValidKey, publicKeyOf } from "../../src/core/keys.ts";
import { Secret } from "../../src/core/secret.ts";

const hex = (h: string) => Buffer.from(h, "hex");
const b64 = (h: string) => hex(h).toString("base64");

// RFC 7748, section 6.1.
const ALICE = { priv: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", pub: "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a" };
const BOB = { priv: "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", pub: "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f" };
const SHARED = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

test("RFC 7748 vectors: public keys", () => {
  assert.equal(publicKeyOf(b64(ALICE.priv)), b64(ALICE.pub));
  assert.equal(publicKeyOf(new Secret(b64(BOB.priv))), b64(BOB.pub));
});

test("RFC 7748 vectors: shared secret", () => {
  assert.equal(Buffer.from(x25519.getSharedSecret(hex(ALICE.priv), hex(BOB.pub))).toString("hex"), SHARED);
});

test("generated keys are clamped, valid and masked", () => {
  const pair = generateKeyPair();
  const raw = Buffer.from(pair.privateKey.reveal(), "base64");
  assert.equal(raw.length, 32);
  assert.equal(raw[0]! & 7, 0);
  assert.equal(raw[31]! & 128, 0);
  assert.equal(raw[31]! & 64, 64);
  assert.ok(isValidKey(pair.publicKey));
  assert.equal(String(pair.privateKey), "«private key»");
  assert.equal(JSON.stringify({ k: pair.privateKey }), '{"k":"«private key»"}');
  assert.equal(`${pair.privateKey}`, "«private key»");
  assert.deepEqual(clamp(raw), new Uint8Array(raw));
});

test("key validation", () => {
  assert.ok(isValidKey(b64(ALICE.pub)));
  assert.ok(!isValidKey("not a key"));
  assert.ok(!isValidKey(`${b64(ALICE.pub).slice(0, 42)}B=`), "last character carries only 4 bits");
  assert.ok(!isValidKey(Buffer.alloc(31).toString("base64")));
  assert.throws(() => publicKeyOf("short"));
});

test("agrees with wg pubkey for generated keys", { skip: hasWg() ? false : "wireguard-tools (wg) not installed" }, () => {
  for (let i = 0; i < 5; i++) {
    const pair = generateKeyPair();
    const fromWg = execFileSync("wg", ["pubkey"], { input: `${pair.privateKey.reveal()}\n` }).toString().trim();
    assert.equal(fromWg, pair.publicKey);
  }
  const fromGenkey = execFileSync("wg", ["genkey"]).toString().trim();
  assert.equal(publicKeyOf(fromGenkey), execFileSync("wg", ["pubkey"], { input: fromGenkey }).toString().trim());
});

test("preshared keys are 32 bytes and masked", () => {
  const psk = generatePresharedKey();
  assert.equal(Buffer.from(psk.reveal(), "base64").length, 32);
  assert.equal(String(psk), "«preshared key»");
});

function hasWg(): boolean {
  try {
    execFileSync("wg", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
