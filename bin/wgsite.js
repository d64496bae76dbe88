#!/usr/bin/env node
// npx wgsite: Node 20 is too old for Ink 8, so the CLI runs on the Bun that npm installed with it.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
let bun = process.env.WGSITE_BUN;
if (!bun) {
  try {
    bun = join(dirname(require.resolve("bun/package.json")), "bin", "bun.exe");
  } catch {
    bun = "bun";
  }
}
const child = spawn(bun, [join(here, "..", "src", "cli.tsx"), ...process.argv.slice(2)], { stdio: "inherit" });
// A signal sent to this wrapper goes on to wgsite, which ends with 128+N itself.
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("error", (error) => {
  process.stderr.write(`wgsite: cannot start Bun (${error.message}); run npm install, or set WGSITE_BUN\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
