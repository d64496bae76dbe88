import { defineFact } from "./fact.ts";

/** Persisted means the last assignment across the sysctl files (in load order) sets it to 1. */
export const ipForward = defineFact({
  id: "ip-forward",
  command: () =>
    "sysctl -n net.ipv4.ip_forward; echo; cat /etc/sysctl.conf $(ls -1 /usr/lib/sysctl.d/*.conf /run/sysctl.d/*.conf /etc/sysctl.d/*.conf 2>/dev/null | awk -F/ '{print $NF\" \"$0}' | sort | cut -d' ' -f2) 2>/dev/null | grep -E '^[[:space:]]*net[./]ipv4[./]ip_forward[[:space:]]*=' | tail -n 1",
  parse: (out) => {
    const [runtime, , persisted] = out.split("\n");
    return { runtime: runtime?.trim() === "1", persisted: /=\s*1\s*$/.test(persisted ?? "") };
  },
});
