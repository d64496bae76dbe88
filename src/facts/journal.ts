import { decodeFile, defineFact, fileCapture } from "./fact.ts";

export const journal = defineFact({
  id: "journal",
  command: (ctx) => fileCapture(`/var/lib/wgsite/${ctx.iface}.json`),
  parse: (out): unknown => {
    const text = decodeFile(out);
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  },
});
