import type { ApplyEvent } from "../remote/events.ts";

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Non-interactive progress: one line per step per gateway, on stderr. */
export function progressLine(event: ApplyEvent): string | undefined {
  switch (event.type) {
    case "connecting":
      return `[${event.site}] connecting to ${event.target}`;
    case "facts":
      return `[${event.site}] ${event.facts.os.prettyName}, ${event.facts.init}, WireGuard ${event.facts.installed.wg ? "installed" : "not installed"} (${event.facts.kernelWireguard ? "kernel" : "wireguard-go"}), ${event.facts.privilege}`;
    case "step-done":
      if (event.step === "verify") return `[${event.site}] done   ${event.title} (${seconds(event.ms)})`;
      return event.changed ? `[${event.site}] done   ${event.title} (${seconds(event.ms)})` : `[${event.site}] ok     ${event.title}: nothing to do (${event.note ?? "already so"})`;
    case "step-failed":
      return `[${event.site}] FAILED ${event.title} (${seconds(event.ms)})${event.output ? `\n${event.output.split("\n").map((l) => `[${event.site}]   ${l}`).join("\n")}` : ""}`;
    case "check":
      if (event.warning) return `[${event.site}] WARN    ${event.id}: ${event.detail}`;
      return `[${event.site}] ${event.ok ? "check  " : "CHECK  "} ${event.id}: ${event.ok ? "ok" : "FAILED"} (${event.detail})`;
    default:
      return undefined;
  }
}
