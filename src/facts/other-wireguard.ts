import { defineFact } from "./fact.ts";

/** Other WireGuard interfaces (kernel or wireguard-go), their ports and addresses: never to be disturbed. */
export const otherWireguard = defineFact({
  id: "other-wireguard",
  command: (ctx) =>
    `command -v wg >/dev/null 2>&1 && for i in $(wg show interfaces); do [ "$i" = ${ctx.iface} ] && continue; echo "$i $(wg show $i listen-port) $(ip -o -4 addr show dev $i | awk '{print $4}' | tr '\\n' ' ')"; done`,
  parse: (out) =>
    out
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, port, ...addresses]) => ({ name: name!, ...(port && /^\d+$/.test(port) ? { listenPort: Number(port) } : {}), addresses })),
});
