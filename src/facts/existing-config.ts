import { decodeFile, defineFact } from "./fact.ts";

/**
 * A foreign config's PrivateKey and PresharedKey are replaced on the gateway, before the file is read
 * back: the secrets never leave it, and the review diff shows `PrivateKey = (hidden)`. wg reads key
 * names case-insensitively, so the match is too; awk is on every gateway wgsite supports (mawk, busybox).
 */
export const HIDE_SECRETS_AWK = `{ l = tolower($0); if (l ~ /^[ \\t]*(privatekey|presharedkey)[ \\t]*=/) { k = substr($0, 1, index($0, "=") - 1); sub(/[ \\t]+$/, "", k); $0 = k " = (hidden)" } print }`;

export function existingConfigCommand(path: string): string {
  return `if [ -f ${path} ]; then awk '${HIDE_SECRETS_AWK}' ${path} | base64 -w0; else echo -; fi`;
}

export const existingConfig = defineFact({
  id: "existing-config",
  command: (ctx) => existingConfigCommand(`/etc/wireguard/${ctx.iface}.conf`),
  parse: (out) => decodeFile(out),
});
