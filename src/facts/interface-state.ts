import { defineFact } from "./fact.ts";

export const interfaceState = defineFact({
  id: "interface",
  command: (ctx) => `ip -o link show dev ${ctx.iface} 2>/dev/null`,
  parse: (out) => /<[^>]*\bUP\b[^>]*>/.test(out),
});
