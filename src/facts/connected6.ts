import { defineFact } from "./fact.ts";

/** Global IPv6 addresses and the interface carrying each (link-local ones cannot source a routed ping). */
export const connected6 = defineFact({
  id: "connected6",
  command: () => "ip -o -6 addr show scope global",
  parse: (out) =>
    out
      .split("\n")
      .map((l) => /^\d+:\s+(\S+)\s+inet6\s+([0-9a-fA-F:]+)\/(\d+)/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ dev: m[1]!.replace(/@.*$/, ""), address: m[2]!, cidr: `${m[2]}/${m[3]}` })),
});
