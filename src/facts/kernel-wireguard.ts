import { defineFact } from "./fact.ts";

/** Loaded, or loadable as a module: without either, wg-quick falls back to wireguard-go. */
export const kernelWireguard = defineFact({
  id: "kernel-wireguard",
  command: () => "if [ -d /sys/module/wireguard ] || modprobe -n -q wireguard 2>/dev/null; then echo yes; else echo no; fi",
  parse: (out) => out.trim() === "yes",
});
