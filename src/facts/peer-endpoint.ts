import { isAddressLiteral } from "../core/address.ts";
import { quote } from "../core/shell.ts";
import { defineFact } from "./fact.ts";

/** The addresses each peer endpoint name resolves to on this gateway, both families (restrictPort lets exactly these in). */
export const peerEndpoint = defineFact({
  id: "peer-endpoint",
  command: (ctx) => {
    const names = (ctx.peerHosts ?? []).filter((h) => !isAddressLiteral(h));
    return names.length > 0 ? `for h in ${names.map(quote).join(" ")}; do getent ahosts "$h" | awk -v h="$h" '{print h, $1}' | sort -u; done` : "true";
  },
  parse: (out, ctx): Record<string, string[]> => {
    const names = (ctx.peerHosts ?? []).filter((h) => !isAddressLiteral(h));
    const found: Record<string, string[]> = Object.fromEntries(names.map((n) => [n, [] as string[]]));
    for (const line of out.split("\n")) {
      const [name, address] = line.trim().split(/\s+/);
      if (name && address && found[name] && isAddressLiteral(address) && !found[name].includes(address)) found[name].push(address);
    }
    return found;
  },
});
