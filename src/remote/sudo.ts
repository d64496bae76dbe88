import type { Connection } from "./connection.ts";
import type { DescribedExecOptions } from "./ssh/session.ts";
import { redact, Secret } from "../core/secret.ts";
import { quote as shellQuote } from "../core/shell.ts";

export type Privilege = "root" | "sudo-nopasswd" | "sudo-password" | "none";

export type SudoErrorKind = "password-rejected" | "password-required" | "not-allowed";

export class SudoError extends Error {
  override readonly name = "SudoError";
  constructor(readonly kind: SudoErrorKind, readonly label: string, message: string) {
    super(message);
  }
}

function shellQuoteScript(lines: string[]): string {
  return `sh -c ${shellQuote(lines.join("\n"))}`;
}

/** The env variables the CLI reads a sudo password from, most specific first. */
export function sudoPasswordEnvNames(label: string): [string, string] {
  return [`WGSITE_SUDO_PASSWORD_${label.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`, "WGSITE_SUDO_PASSWORD"];
}

// Printed to stderr by the shell that sudo starts: its presence proves sudo let the command run.
const MARK = "wgsite-sudo-ok-3f9c";
const REJECTED = "wgsite-sudo-rejected-3f9c";
const NO_PASSWORD = "wgsite-sudo-nopasswd-3f9c";

/**
 * A Connection whose commands run as root. With a password, it goes to sudo
 * as the first line of stdin (never in argv or on disk); the caller's stdin follows.
 */
export function withPrivilege(conn: Connection, mode: Privilege, password?: string): Connection {
  const [specific, general] = sudoPasswordEnvNames(conn.label);
  if (mode === "root") return conn;
  if (mode === "none") {
    return wrap(conn, () => Promise.reject(new SudoError("not-allowed", conn.label,
      `${conn.label}: the SSH user is not root and cannot use sudo; log in as root or as a user allowed to sudo`)));
  }
  if (mode === "sudo-password") {
    if (password === undefined || password === "") {
      throw new SudoError("password-required", conn.label,
        `sudo on ${conn.label} asks for a password; set ${specific} or ${general}`);
    }
    if (/[\r\n]/.test(password)) {
      throw new SudoError("password-rejected", conn.label, `the sudo password for ${conn.label} contains a line break, which sudo cannot read`);
    }
  }
  // Learned from the first successful command: the password was accepted, or the policy needs none.
  let learned: "password-ok" | "no-password" | undefined;
  const fail = (kind: SudoErrorKind, why: string): never => {
    throw new SudoError(kind, conn.label, why);
  };
  return wrap(conn, async (command, options = {}) => {
    const inner = `sh -c ${shellQuote(`echo ${MARK} >&2\n${command}`)}`;
    const described: DescribedExecOptions = { ...options, describe: (options as DescribedExecOptions).describe ?? command };
    const result = mode === "sudo-nopasswd" || learned === "no-password"
      ? await conn.exec(`sudo -n ${inner}`, described)
      : await conn.exec(passwordScript(inner, learned === "password-ok"), { ...described, stdin: `${password}\n${options.stdin ?? ""}` });
    const [noPassword, stderr1] = takeLine(result.stderr, NO_PASSWORD);
    const [ran, stderr] = takeLine(stderr1, MARK);
    if (ran) {
      if (mode === "sudo-password") learned ??= noPassword ? "no-password" : "password-ok";
      return { ...result, stderr };
    }
    const [checked, said] = takeLine(stderr, REJECTED);
    const denied = /not in the sudoers|not allowed to|may not run sudo/i.test(said);
    if (!denied && (checked || /incorrect password|try again|no password was provided/i.test(said))) {
      fail("password-rejected", `sudo password rejected on ${conn.label}; set ${specific} or ${general}`);
    }
    if (/password is required/i.test(said)) {
      fail("password-required", `sudo on ${conn.label} now asks for a password; set ${specific} or ${general}`);
    }
    // sudo may echo what it read (a misconfigured askpass, a PAM module): the password is masked.
    const first = redact(said.trim().split("\n")[0] ?? "", [password ? new Secret(password, "sudo password") : undefined]);
    return fail("not-allowed", `sudo refused to run the command on ${conn.label}: ${first || `exit code ${result.code}`}`);
  });
}

/** Removes the first `mark` line from stderr, saying whether it was there. */
function takeLine(stderr: string, mark: string): [boolean, string] {
  const at = stderr.indexOf(`${mark}\n`);
  return at < 0 ? [false, stderr] : [true, stderr.slice(0, at) + stderr.slice(at + mark.length + 1)];
}

/**
 * First time, the password is checked by a sudo that reads only that one line:
 * a wrong one must not make sudo's retries eat the caller's stdin (and lock the
 * account under pam_faillock). If the policy turns out to need no password,
 * the line is dropped instead of reaching the command. Once the password is
 * proven, the short form is safe: `-S -k` always consumes exactly the first line.
 */
function passwordScript(inner: string, proven: boolean): string {
  const run = `sudo -S -k -p '' ${inner}`;
  if (proven) return shellQuoteScript([`exec ${run}`]);
  return shellQuoteScript([
    "IFS= read -r p",
    `if sudo -n -k true 2>/dev/null; then echo ${NO_PASSWORD} >&2; exec sudo -n ${inner}; fi`,
    `if ! out=$(printf '%s\\n' "$p" | LC_ALL=C sudo -S -k -p '' true 2>&1); then printf '%s\\n%s\\n' ${REJECTED} "$out" >&2; exit 1; fi`,
    `{ printf '%s\\n' "$p"; exec cat; } | ${run}`,
  ]);
}

function wrap(conn: Connection, exec: Connection["exec"]): Connection {
  return {
    label: conn.label,
    exec,
    close: () => conn.close(),
    get stats() {
      return conn.stats;
    },
  };
}
