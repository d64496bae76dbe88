import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

// Include cycles are a config error; OpenSSH stops at the same depth.
const MAX_DEPTH = 16;

/**
 * Reads an ssh config with its `Include` lines replaced by the files they name
 * (ssh-config does not follow Include). Inlining keeps OpenSSH's meaning: an
 * Include inside a Host block applies under that block's condition.
 */
export function readConfigWithIncludes(file: string, depth = 0): string {
  if (depth > MAX_DEPTH) throw new Error(`ssh config Include nesting too deep at ${file} (a loop?)`);
  const text = readFileSync(file, "utf8");
  // The Host/Match block an Include sits in: each included file starts in it, and it resumes after.
  let block = "Host *";
  return text.split("\n").map((line) => {
    if (/^\s*(host|match)(\s*=\s*|\s+)/i.test(line)) block = line;
    const m = /^\s*include(?:\s*=\s*|\s+)(.+?)\s*$/i.exec(line);
    if (!m) return line;
    return [
      ...splitWords(m[1]!)
        .flatMap((pattern) => expandGlob(resolveIncludePath(pattern, file)))
        .map((f) => `${block}\n${readConfigWithIncludes(f, depth + 1)}`),
      block,
    ].join("\n");
  }).join("\n");
}

function splitWords(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** Relative paths are relative to ~/.ssh for user configs (any -F file too), /etc/ssh for the system one, as OpenSSH does. */
function resolveIncludePath(pattern: string, from: string): string {
  if (pattern.startsWith("~/")) return homedir() + pattern.slice(1);
  if (isAbsolute(pattern)) return pattern;
  return join(from.startsWith("/etc/ssh/") ? "/etc/ssh" : join(homedir(), ".ssh"), pattern);
}

/** `*` and `?` within path components, sorted like glob(3); no match is no file, not an error. */
function expandGlob(path: string): string[] {
  const parts = path.split("/");
  let found = [parts[0] === "" ? "/" : parts[0]!];
  for (const part of parts.slice(1)) {
    if (part === "") continue;
    if (!/[*?]/.test(part)) {
      found = found.map((d) => join(d, part)).filter((p) => existsSync(p));
      continue;
    }
    const re = new RegExp(`^${part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    found = found.flatMap((d) => {
      try {
        return readdirSync(d).filter((n) => !n.startsWith(".") && re.test(n)).sort().map((n) => join(d, n));
      } catch {
        return [];
      }
    });
  }
  return found.filter((p) => existsSync(p) && statSync(p).isFile());
}
