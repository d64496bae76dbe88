import { decodeFile, defineFact, fileCapture } from "./fact.ts";

export const existingConfig = defineFact({
  id: "existing-config",
  command: (ctx) => fileCapture(`/etc/wireguard/${ctx.iface}.conf`),
  parse: (out) => decodeFile(out),
});
