#!/usr/bin/env bun
import pkg from "../package.json" with { type: "json" };
import { parseCli, USAGE } from "./args.ts";
import { ExitCode, ExitError, SIGNAL_EXIT } from "./core/exit-codes.ts";
import { internalErrorText } from "./internal-error.ts";

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCli(argv);
  if (!parsed.ok) {
    process.stderr.write(`wgsite: ${parsed.message}\n\n${USAGE}`);
    return ExitCode.InvalidInput;
  }
  const { command } = parsed;
  switch (command.kind) {
    case "help":
      process.stdout.write(USAGE);
      return ExitCode.Ok;
    case "version":
      process.stdout.write(`wgsite ${pkg.version}\n`);
      return ExitCode.Ok;
    case "plan":
      if (command.options.offline) return (await import("./flows/plan-offline.ts")).planOffline(command.options);
      return (await import("./flows/apply.ts")).planOnline(command.options);
    case "apply":
      return (await import("./flows/apply.ts")).apply(command.options);
    case "status":
      return (await import("./flows/status.ts")).status(command.options);
    case "remove":
      return (await import("./flows/remove.ts")).remove(command.options);
    case "rotate":
      return (await import("./flows/apply.ts")).rotate(command.options);
    case "wizard":
      return (await import("./ui/run-wizard.tsx")).runWizard(command.options);
  }
}

/**
 * A signal ends the run with 128+N. Where a screen or flow listens for it too (the wizard, the live
 * pane), that listener restores the terminal and closes the sessions, and picks the exit code itself.
 */
function exitOnSignals(): void {
  for (const [signal, code] of Object.entries(SIGNAL_EXIT) as [keyof typeof SIGNAL_EXIT, number][]) {
    const handler = () => {
      if (process.listenerCount(signal) === 1) process.exit(code);
    };
    process.on(signal, handler);
  }
}

exitOnSignals();
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ExitError) {
      process.stderr.write(`wgsite: ${error.message}\n`);
      process.exit(error.code);
    }
    process.stderr.write(internalErrorText(error, process.env.WGSITE_DEBUG === "1"));
    process.exit(ExitCode.InternalError);
  },
);
