import { SshError, type SshErrorKind } from "./errors.ts";

/** `host:port`, bracketing IPv6 literals so the port stays readable. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The step named in errors for a command: "running wg", never the arguments (they may hold secrets). */
export function runningStep(command: string): string {
  // A description from wgsite itself is shown whole; a raw command by its program name.
  if (command.startsWith("wgsite's ")) return `running ${command}`;
  const word = command.trim().split(/\s+/)[0] ?? "";
  return `running ${word.split("/").pop() || "a command"}`;
}

export type Where = { readonly label: string; readonly host: string; readonly port: number; readonly user?: string; readonly via?: string };

const SITE_HINT = "is the address right in the site file's ssh field?";

/**
 * Builds the SshError for a failure: who (gateway label and address), during
 * which step, and what to check next.
 */
export function sshFailure(
  kind: SshErrorKind,
  where: Where,
  step: string,
  detail: string,
  cause?: unknown,
  hintOverride?: string,
): SshError {
  const hp = hostPort(where.host, where.port);
  const at = where.via === undefined ? hp : `${hp} (jump host ${where.via})`;
  let hint: string;
  switch (kind) {
    case "connect-timeout":
      hint = step === "connecting"
        ? `is sshd listening on ${hp}? ${SITE_HINT} is a firewall dropping the traffic?`
        : `the server accepted the connection but did not finish; is it overloaded, or is something other than sshd on ${hp}?`;
      break;
    case "refused":
      hint = `is sshd listening on ${hp}? ${SITE_HINT}`;
      break;
    case "unreachable":
      hint = `${SITE_HINT} does this machine have a route to ${where.host}?`;
      break;
    case "auth":
      hint = `is your public key in ~${where.user ?? ""}/.ssh/authorized_keys on the gateway? ` +
        "pass -i FILE, load the key into ssh-agent, or set User/IdentityFile in ~/.ssh/config";
      break;
    case "lost":
      hint = `is the gateway still up? a reboot, an sshd restart or a firewall change on the path can drop the connection`;
      break;
    case "command-timeout":
      hint = "the command was stopped; the gateway may be slow or the command stuck waiting for something";
      break;
  }
  return new SshError(kind, where.label, `${where.label} (${at}): ${step}: ${detail} — ${hintOverride ?? hint}`, { cause });
}
