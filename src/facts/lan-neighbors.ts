import { defineFact } from "./fact.ts";

export type Neighbor = { readonly address: string; readonly dev: string; readonly reachable: boolean };

/** States of an entry the kernel has heard from (not FAILED or INCOMPLETE). */
const HEARD = new Set(["REACHABLE", "STALE", "DELAY", "PROBE", "PERMANENT"]);

/**
 * The IPv4 hosts the gateway has exchanged packets with lately (`ip neigh`): the other gateway pings
 * one inside this LAN to prove the whole path, host and its route back included.
 */
export const lanNeighbors = defineFact({
  id: "lan-neighbors",
  command: () => "ip -4 neigh show",
  parse: (out): Neighbor[] =>
    out
      .split("\n")
      .map((l) => /^(\d+\.\d+\.\d+\.\d+) dev (\S+)\b.*\s(\w+)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null && HEARD.has(m[3]!))
      .map((m) => ({ address: m[1]!, dev: m[2]!, reachable: m[3] === "REACHABLE" })),
});
