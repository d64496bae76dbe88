import assert from "node:assert/strict";
import { loadSite } from "../../src/core/load-site.ts";
import { formatProblem, type Site } from "../../src/core/site.ts";

/** A site file's text that must load; its problems in the error otherwise. */
export function load(text: string): Site {
  const result = loadSite(text);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.site;
}

/** The problem lines of a site file's text that must be refused. */
export function problems(text: string): string[] {
  const result = loadSite(text);
  assert.equal(result.ok, false, "the file should be refused");
  return result.ok ? [] : result.problems.map(formatProblem);
}
