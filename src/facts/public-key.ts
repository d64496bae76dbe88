import { isValidKey } from "../core/keys.ts";
import { defineFact } from "./fact.ts";

/** Only the public key leaves the gateway; the private key is read by `wg pubkey` there. */
export const publicKey = defineFact({
  id: "public-key",
  command: (ctx) => `[ -s /etc/wireguard/${ctx.iface}.key ] && command -v wg >/dev/null 2>&1 && wg pubkey < /etc/wireguard/${ctx.iface}.key`,
  parse: (out) => (isValidKey(out.trim()) ? out.trim() : undefined),
});
