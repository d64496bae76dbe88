/**
 * Bring the wgsite test lab up for a person (or a CI script) and take it down again.
 *
 *   npx bun test/lab/cli.ts up [--variant NAME] [--foreground]   # prints the lab as JSON
 *   WGSITE_LAB_OS=trixie npx bun test/lab/cli.ts up                # Debian 13 gateways ("bookworm,bookworm-openrc": alpha,beta)
 *   npx bun test/lab/cli.ts status
 *   npx bun test/lab/cli.ts ssh alpha|beta [command...]          # OpenSSH from the operator namespace
 *   npx bun test/lab/cli.ts ns op|inet|alpha|beta|alpha-lan|beta-lan [command...]   # run in a namespace
 *   npx bun test/lab/cli.ts down
 *   npx bun test/lab/cli.ts cleanup [--force] [--purge-cache]
 *
 * `up` starts a detached supervisor process (`serve`) that owns the lab (it reboots gateways that
 * reboot themselves) and records it in .lab/lab.json at the repository root; `down` stops it.
 * The site file for the lab is written to .lab/site.yaml.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { alive, cleanupLeftovers } from "./cleanup.ts";
import { createLab, labSkipReason, type LabDescription } from "./lab.ts";
import "./variants.ts";
import "./path-variants.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const STATE_DIR = process.env.WGSITE_LAB_STATE_DIR ?? path.resolve(here, "../../.lab");
const STATE = path.join(STATE_DIR, "lab.json");
const SERVE_LOG = path.join(STATE_DIR, "serve.log");

type State = { pid: number; siteFile: string; lab: LabDescription };

function readState(): State | undefined {
  try {
    return JSON.parse(fs.readFileSync(STATE, "utf8"));
  } catch {
    return undefined;
  }
}


function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function serve(variant: string | undefined) {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  const lab = await createLab({ variant, log: (s) => console.error(s) });
  const siteFile = path.join(STATE_DIR, "site.yaml");
  fs.writeFileSync(siteFile, lab.siteYaml());
  const state: State = { pid: process.pid, siteFile, lab: lab.describe() };
  fs.writeFileSync(STATE + ".tmp", JSON.stringify(state, null, 2) + "\n");
  fs.renameSync(STATE + ".tmp", STATE);
  // lab.ts tears the lab down on SIGINT/SIGTERM/SIGHUP/exit; forget the state file then too.
  process.on("exit", () => {
    const s = readState();
    if (s?.pid === process.pid) fs.rmSync(STATE, { force: true });
  });
  console.log(JSON.stringify(state, null, 2));
  setInterval(() => {}, 1 << 30);
}

async function up(args: string[]) {
  const reason = labSkipReason();
  if (reason) {
    console.error(`lab cannot run here: ${reason}`);
    process.exit(2);
  }
  const existing = readState();
  if (existing && alive(existing.pid)) {
    console.error(`a lab is already up (supervisor pid ${existing.pid}); run \`down\` first`);
    console.log(JSON.stringify(existing, null, 2));
    process.exit(1);
  }
  fs.rmSync(STATE, { force: true });
  const variant = flag(args, "--variant");
  if (args.includes("--foreground")) return serve(variant);
  fs.mkdirSync(STATE_DIR, { recursive: true });
  const logFd = fs.openSync(SERVE_LOG, "w");
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "serve", ...(variant ? ["--variant", variant] : [])], {
    detached: true,
    stdio: ["ignore", logFd, logFd],
  });
  fs.closeSync(logFd);
  let exited: number | null | undefined;
  child.on("exit", (c) => (exited = c ?? -1));
  child.unref();
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    const s = readState();
    if (s && s.pid === child.pid) {
      console.log(JSON.stringify(s, null, 2));
      return;
    }
    if (exited !== undefined || Date.now() > deadline) {
      console.error(`lab supervisor failed (exit ${exited ?? "timeout"}); log ${SERVE_LOG}:\n${fs.readFileSync(SERVE_LOG, "utf8")}`);
      if (exited === undefined) process.kill(child.pid!, "SIGTERM");
      process.exit(1);
    }
    await sleep(200);
  }
}

async function down() {
  const s = readState();
  if (s && alive(s.pid)) {
    process.kill(s.pid, "SIGTERM");
    const deadline = Date.now() + 30_000;
    while (alive(s.pid) && Date.now() < deadline) await sleep(200);
    if (alive(s.pid)) process.kill(s.pid, "SIGKILL");
  }
  fs.rmSync(STATE, { force: true });
  // Whatever the supervisor left behind (or labs from crashed runs).
  const report = cleanupLeftovers({ only: s ? [s.lab.id] : undefined, force: !!s });
  console.log(JSON.stringify({ down: s?.lab.id ?? null, ...report }, null, 2));
}

function requireState(): State {
  const s = readState();
  if (!s || !alive(s.pid)) {
    console.error("no lab is up (npx bun test/lab/cli.ts up)");
    process.exit(1);
  }
  return s;
}

function nsFor(s: State, role: string): string {
  const l = s.lab;
  const map: Record<string, string> = {
    op: l.operatorNs, operator: l.operatorNs, inet: l.internetNs,
    alpha: l.gateways.alpha.ns, beta: l.gateways.beta.ns,
    "alpha-lan": l.lanHosts.alpha.ns, "beta-lan": l.lanHosts.beta.ns,
  };
  const ns = map[role];
  if (!ns) {
    console.error(`unknown namespace role ${role} (${Object.keys(map).join(", ")})`);
    process.exit(2);
  }
  return ns;
}

function passthrough(argv: string[]): never {
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const [cmd, ...args] = process.argv.slice(2);
switch (cmd) {
  case "up":
    await up(args);
    break;
  case "serve":
    await serve(flag(args, "--variant"));
    break;
  case "down":
    await down();
    break;
  case "status": {
    const s = readState();
    console.log(JSON.stringify(s && alive(s.pid) ? s : { up: false }, null, 2));
    break;
  }
  case "ssh": {
    const s = requireState();
    const site = args[0] === "beta" ? "beta" : "alpha";
    passthrough(["ip", "netns", "exec", s.lab.operatorNs, "ssh", "-F", s.lab.sshConfigFile, s.lab.gateways[site].sshHost, ...args.slice(1)]);
  }
  case "ns": {
    const s = requireState();
    const rest = args.slice(1);
    passthrough(["ip", "netns", "exec", nsFor(s, args[0] ?? ""), ...(rest.length ? rest : ["bash"])]);
  }
  case "cleanup":
    console.log(JSON.stringify(cleanupLeftovers({ force: args.includes("--force"), purgeCache: args.includes("--purge-cache"), log: (m) => console.error(m) }), null, 2));
    break;
  default:
    console.error("usage: npx bun test/lab/cli.ts up [--variant NAME] [--foreground] | status | ssh alpha|beta [cmd] | ns ROLE [cmd] | down | cleanup [--force] [--purge-cache]");
    process.exit(2);
}
