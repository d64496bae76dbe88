import { defineFact } from "./fact.ts";

export const udpPorts = defineFact({
  id: "udp-ports",
  command: () => "ss -Hunl 2>/dev/null",
  parse: (out) => {
    const ports = new Set<number>();
    for (const line of out.split("\n")) {
      const local = line.trim().split(/\s+/)[3];
      const m = local ? /:(\d+)$/.exec(local) : null;
      if (m) ports.add(Number(m[1]));
    }
    return [...ports].sort((a, b) => a - b);
  },
});
