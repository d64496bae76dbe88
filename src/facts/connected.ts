import { defineFact } from "./fact.ts";

export const connected = defineFact({
  id: "connected",
  command: () => "ip -o -4 addr show",
  parse: (out) =>
    out
      .split("\n")
      .map((l) => /^\d+:\s+(\S+)\s+inet\s+(\S+)\/(\d+)/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ dev: m[1]!.replace(/@.*$/, ""), address: m[2]!, cidr: `${m[2]}/${m[3]}` })),
});
