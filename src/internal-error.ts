import pkg from "../package.json" with { type: "json" };
import { escapeControls } from "./core/show-value.ts";

const REPORT_TO = "the wgsite issue tracker (where you got wgsite)";

/** A bug: says so, names the version and where to report it; the stack only with WGSITE_DEBUG=1. */
export function internalErrorText(error: unknown, debug: boolean, version: string = pkg.version): string {
  const summary = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const first = escapeControls(Array.from(summary.split("\n")[0] ?? "").slice(0, 300).join(""));
  const stack = debug && error instanceof Error && error.stack ? `\n${escapeControls(error.stack).replace(/\\n/g, "\n")}` : "";
  return `wgsite: internal error in wgsite ${version}: ${first}\nThis is a bug in wgsite, not a problem with your input or gateways. Please report it to ${REPORT_TO} with the command you ran and this message${debug ? "" : " (WGSITE_DEBUG=1 adds the stack trace)"}.${stack}\n`;
}

