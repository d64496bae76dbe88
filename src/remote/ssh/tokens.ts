import { createHash } from "node:crypto";
import { homedir, hostname, userInfo } from "node:os";

/** The values OpenSSH's %-tokens stand for, for one target. */
export type TokenValues = {
  /** %h: the HostName after the config. */
  readonly h?: string;
  /** %n: the host as written on the command line. */
  readonly n?: string;
  readonly r?: string;
  readonly p?: string;
  /** %k: HostKeyAlias, or the host as written. */
  readonly k?: string;
};

export function localUser(): string {
  // Bun's userInfo() reports $USER (or "unknown" when unset, as under cron), so the uid decides here.
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
  if (uid === 0) return "root";
  try {
    const name = userInfo().username;
    if (name && name !== "unknown") return name;
  } catch {
    // userInfo() throws for uids without a passwd entry (some containers).
  }
  return process.env.USER ?? process.env.LOGNAME ?? "root";
}

/** `%d %u %l %L %i %h %n %r %p %k %C %%` as ssh_config(5) defines them; an unknown token stays as written. */
export function expandTokens(text: string, tokens: TokenValues): string {
  return text.replace(/%(.)/g, (whole, t: string) => {
    switch (t) {
      case "%": return "%";
      case "d": return homedir();
      case "u": return localUser();
      case "l": return hostname();
      case "L": return hostname().split(".")[0] ?? "";
      case "i": return String(process.getuid?.() ?? "");
      case "C": return createHash("sha1").update(`${hostname()}${tokens.h ?? ""}${tokens.p ?? ""}${tokens.r ?? ""}`).digest("hex");
      default: return (tokens as Record<string, string | undefined>)[t] ?? whole;
    }
  });
}

/** `${NAME}` environment references, allowed in file paths since OpenSSH 8.4. */
function expandEnv(text: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => process.env[name] ?? whole);
}

/** Expands `~`, `${VAR}` and the %-tokens of a file path. */
export function expandPath(path: string, tokens: TokenValues): string {
  const expanded = expandTokens(expandEnv(path), tokens);
  if (expanded === "~") return homedir();
  if (expanded.startsWith("~/")) return homedir() + expanded.slice(1);
  return expanded;
}
