import { defineFact, type Fact } from "./fact.ts";

/**
 * A forwarding sysctl at runtime and as the sysctl files leave it. Persisted means the last
 * assignment across the sysctl files (in load order) sets it to 1.
 */
export function forwardingFact(id: string, key: string): Fact<{ runtime: boolean; persisted: boolean }> {
  const pattern = key.replace(/\./g, "[./]");
  return defineFact({
    id,
    command: () =>
      `sysctl -n ${key}; echo; cat /etc/sysctl.conf $(ls -1 /usr/lib/sysctl.d/*.conf /run/sysctl.d/*.conf /etc/sysctl.d/*.conf 2>/dev/null | awk -F/ '{print $NF" "$0}' | sort | cut -d' ' -f2) 2>/dev/null | grep -E '^[[:space:]]*${pattern}[[:space:]]*=' | tail -n 1`,
    parse: (out) => {
      const [runtime, , persisted] = out.split("\n");
      return { runtime: runtime?.trim() === "1", persisted: /=\s*1\s*$/.test(persisted ?? "") };
    },
  });
}

export const ipForward = forwardingFact("ip-forward", "net.ipv4.ip_forward");
