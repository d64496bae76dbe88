#!/usr/bin/env bun
import pkg from "../package.json" with { type: "json" };
import { parseCli, USAGE } from "./args.ts";
import { ExitCode, ExitError } from "./core/exit-codes.ts";

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
    case "wizard":
      return (await import("./ui/run-wizard.tsx")).runWizard(command.options);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ExitError) {
      process.stderr.write(`wgsite: ${error.message}\n`);
      process.exit(error.code);
    }
    process.stderr.write(`wgsite: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(ExitCode.GatewayFailure);
  },
);
