import { isAddressLiteral } from "../core/address.ts";
import { quote } from "../core/shell.ts";
import { defineFact } from "./fact.ts";

/** The addresses the peer's endpoint name resolves to on this gateway, both families (restrictPort lets exactly these in). */
export const peerEndpoint = defineFact({
  id: "peer-endpoint",
  command: (ctx) => (ctx.peerHost && !isAddressLiteral(ctx.peerHost) ? `getent ahosts ${quote(ctx.peerHost)} | awk '{print $1}' | sort -u` : "true"),
  parse: (out): string[] =>
    out
      .split("\n")
      .map((l) => l.trim())
      .filter(isAddressLiteral),
});
