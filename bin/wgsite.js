#!/usr/bin/env node
// npx wgsite: Node 20 is too old for Ink 8, so the CLI runs on the Bun that npm installed with it.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
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
const result = spawnSync(bun, [join(here, "..", "src", "cli.tsx"), ...process.argv.slice(2)], { stdio: "inherit" });
if (result.error) {
  process.stderr.write(`wgsite: cannot start Bun (${result.error.message}); run npm install, or set WGSITE_BUN\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
