import { defineFact } from "./fact.ts";

/** The main table's routes of both families (an IPv6 default as ::/0, so it is not taken for IPv4's). */
export const routes = defineFact({
  id: "routes",
  command: () => "ip -o -4 route show table main; ip -o -6 route show table main 2>/dev/null | sed 's|^default |::/0 |'",
  parse: (out) =>
    out
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .map((line) => ({ dst: line.split(/\s+/)[0]!, dev: /\bdev (\S+)/.exec(line)?.[1] ?? "" })),
});
