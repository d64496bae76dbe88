import { Buffer } from "node:buffer";
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { ExitCode, ExitError } from "../core/exit-codes.ts";
import { loadSite } from "../core/load-site.ts";
import { quoted } from "../core/show-value.ts";
import { formatProblems, SITE_LIMITS, type Problem, type Site } from "../core/site.ts";

/** `-c -` reads the site file from standard input. */
export const STDIN_PATH = "-";

/** The path as it appears in messages: a hostile file name is escaped like any value. */
export function shownPath(path: string): string {
  return /^[A-Za-z0-9_./@+=-]+$/.test(path) ? path : quoted(path, 120);
}

function refuse(path: string, why: string): never {
  throw new ExitError(ExitCode.InvalidInput, `${shownPath(path)}: ${why}`);
}

function tooBig(path: string): never {
  return refuse(path, `is larger than ${SITE_LIMITS.bytes / 1024 / 1024} MiB; a site file has a few dozen lines (start from examples/alpha-beta.yaml)`);
}

/** At most the size limit plus one byte, so a bigger input is known to be too big without reading it all. */
function readCapped(fd: number, path: string): Buffer {
  const buffer = Buffer.alloc(SITE_LIMITS.bytes + 1);
  let length = 0;
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return refuse(path, `cannot read the site file (${code ?? (error as Error).message}); check the path given to -c`);
    }
    if (n === 0) break;
    length += n;
    if (length > SITE_LIMITS.bytes) tooBig(path);
  }
  return buffer.subarray(0, length);
}

/** Standard input, read without blocking the event loop (a signal must still end the run), up to the limit. */
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    chunks.push(bytes);
    length += bytes.length;
    if (length > SITE_LIMITS.bytes) {
      process.stdin.destroy();
      tooBig("standard input");
    }
  }
  return Buffer.concat(chunks);
}

/**
 * Only a regular file (or standard input, asked for by `-`): a FIFO would block forever and a device
 * such as /dev/zero never ends. The file is opened non-blocking, so even a FIFO swapped in after a
 * check cannot hang the open, and it is judged by what was opened (fstat), not by its name.
 */
export async function readSiteBytes(path: string): Promise<Buffer> {
  if (path === STDIN_PATH) return readStdin();
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return refuse(path, `cannot read the site file (${code ?? "unknown error"}); check the path given to -c`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) refuse(path, "is a directory; give the site file itself to -c (e.g. -c examples/alpha-beta.yaml)");
    if (!stat.isFile()) refuse(path, "is not a regular file (a pipe, socket or device); give a site file to -c, or -c - to read it from standard input");
    if (stat.size > SITE_LIMITS.bytes) tooBig(path);
    return readCapped(fd, path);
  } finally {
    closeSync(fd);
  }
}

/** Text from the file's bytes: UTF-8 (with or without a BOM) or UTF-16 with its BOM; anything else is refused. */
export function decodeSiteText(bytes: Uint8Array): { ok: true; text: string } | { ok: false; problem: Problem } {
  const bad = (message: string) => ({ ok: false as const, problem: { path: "", message } });
  let encoding: "utf-8" | "utf-16le" | "utf-16be" = "utf-8";
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) [encoding, start] = ["utf-16le", 2];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [encoding, start] = ["utf-16be", 2];
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes.subarray(start));
  } catch {
    return bad(`the file is not ${encoding === "utf-8" ? "UTF-8" : "UTF-16"} text; save it as UTF-8`);
  }
  const nul = text.indexOf("\u0000");
  if (nul >= 0) {
    const line = text.slice(0, nul).split("\n").length;
    return bad(`line ${line} holds a NUL byte: the file is binary, or UTF-16 without a byte order mark; save it as UTF-8 text`);
  }
  return { ok: true, text };
}

/** Reads and validates the site file; any problem ends the run with exit 2 before anything connects. */
export async function readSite(path: string): Promise<Site> {
  const decoded = decodeSiteText(await readSiteBytes(path));
  const result = decoded.ok ? loadSite(decoded.text) : { ok: false as const, problems: [decoded.problem] };
  if (!result.ok) {
    const count = result.problems.length;
    const name = path === STDIN_PATH ? "standard input" : shownPath(path);
    throw new ExitError(ExitCode.InvalidInput, `${name}: ${count} problem${count === 1 ? "" : "s"}:\n${formatProblems(result.problems).map((l) => `  ${l}`).join("\n")}`);
  }
  return result.site;
}
