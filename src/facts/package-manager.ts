import type { HostFacts } from "../core/host-facts.ts";
import { defineFact } from "./fact.ts";

const MANAGERS = { "apt-get": "apt", dnf: "dnf", yum: "yum", apk: "apk", pacman: "pacman", zypper: "zypper" } as const;

export const packageManager = defineFact({
  id: "package-manager",
  command: () => `for m in ${Object.keys(MANAGERS).join(" ")}; do command -v $m >/dev/null 2>&1 && { echo $m; break; }; done`,
  parse: (out): HostFacts["packageManager"] => MANAGERS[out.trim() as keyof typeof MANAGERS] ?? "unknown",
});
