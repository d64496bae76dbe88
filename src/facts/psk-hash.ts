import { defineFact } from "./fact.ts";

/** A hash lets wgsite see whether both ends hold the same PSK without the secret leaving either. */
export const pskHash = defineFact({
  id: "psk-hash",
  command: (ctx) => `[ -s /etc/wireguard/${ctx.iface}.psk ] && sha256sum < /etc/wireguard/${ctx.iface}.psk`,
  parse: (out) => /^[0-9a-f]{64}/.exec(out.trim())?.[0],
});
