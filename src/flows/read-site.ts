import { readFile } from "node:fs/promises";
import { ExitCode, ExitError } from "../core/exit-codes.ts";
import { loadSite } from "../core/load-site.ts";
import { formatProblem, type Site } from "../core/site.ts";

/** Reads and validates the site file; any problem ends the run with exit 2 before anything connects. */
export async function readSite(path: string): Promise<Site> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ExitError(ExitCode.InvalidInput, `${path}: cannot read the site file (${code ?? (error as Error).message}); check the path given to -c`);
  }
  const result = loadSite(text);
  if (!result.ok) {
    throw new ExitError(ExitCode.InvalidInput, `${path}: ${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}:\n${result.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`);
  }
  return result.site;
}
