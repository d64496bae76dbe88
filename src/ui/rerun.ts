import { quote } from "../core/shell.ts";
import type { RunSettings } from "./state.ts";

/** The command that repeats this run without questions, with the SSH settings the wizard was given. */
export function rerunCommand(path: string, settings: RunSettings): string {
  return command(["wgsite", "--non-interactive", "-c", path], settings);
}

/** The live status pane from a shell. */
export function statusCommand(path: string, settings: RunSettings): string {
  return command(["wgsite", "status", "-c", path], settings);
}

function command(base: readonly string[], settings: RunSettings): string {
  const words = [...base];
  if (settings.sshConfig) words.push("--ssh-config", settings.sshConfig);
  if (settings.knownHosts) words.push("--known-hosts", settings.knownHosts);
  if (settings.identity) words.push("-i", settings.identity);
  if (base[1] === "--non-interactive" && settings.verifyTimeoutSec !== 30) words.push("--verify-timeout", String(settings.verifyTimeoutSec));
  if (base[1] === "--non-interactive" && !settings.rollback) words.push("--no-rollback");
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : quote(w))).join(" ");
}
