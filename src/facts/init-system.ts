import type { HostFacts } from "../core/host-facts.ts";
import { defineFact } from "./fact.ts";

export const initSystem = defineFact({
  id: "init",
  command: () => "if [ -d /run/systemd/system ]; then echo systemd; elif command -v openrc >/dev/null 2>&1; then echo openrc; else echo unknown; fi",
  parse: (out): HostFacts["init"] => (out.trim() === "systemd" || out.trim() === "openrc" ? out.trim() : "unknown") as HostFacts["init"],
});
