import { defineFact } from "./fact.ts";

export const routes = defineFact({
  id: "routes",
  command: () => "ip -o -4 route show table main",
  parse: (out) =>
    out
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .map((line) => ({ dst: line.split(/\s+/)[0]!, dev: /\bdev (\S+)/.exec(line)?.[1] ?? "" })),
});
