import { defineFact } from "./fact.ts";

const TOOLS = ["wg", "wg-quick", "wireguard-go", "iptables", "nft"] as const;

export const installedTools = defineFact({
  id: "installed",
  command: () => `for t in ${TOOLS.join(" ")}; do command -v $t >/dev/null 2>&1 && echo $t; done`,
  parse: (out) => {
    const found = new Set(out.split("\n").map((l) => l.trim()));
    return { wg: found.has("wg"), wgQuick: found.has("wg-quick"), wireguardGo: found.has("wireguard-go"), iptables: found.has("iptables"), nft: found.has("nft") };
  },
});
