import { defineFact } from "./fact.ts";

/** IPv6 forwarding (net.ipv6.conf.all.forwarding), read like ip-forward.ts: at runtime and as the sysctl files leave it. */
export const ip6Forward = defineFact({
  id: "ip6-forward",
  command: () =>
    "sysctl -n net.ipv6.conf.all.forwarding; echo; cat /etc/sysctl.conf $(ls -1 /usr/lib/sysctl.d/*.conf /run/sysctl.d/*.conf /etc/sysctl.d/*.conf 2>/dev/null | awk -F/ '{print $NF\" \"$0}' | sort | cut -d' ' -f2) 2>/dev/null | grep -E '^[[:space:]]*net[./]ipv6[./]conf[./]all[./]forwarding[[:space:]]*=' | tail -n 1",
  parse: (out) => {
    const [runtime, , persisted] = out.split("\n");
    return { runtime: runtime?.trim() === "1", persisted: /=\s*1\s*$/.test(persisted ?? "") };
  },
});
