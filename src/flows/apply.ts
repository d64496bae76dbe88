import { createInterface } from "node:readline/promises";
import type { Options } from "../args.ts";
import { ExitCode, ExitError } from "../core/exit-codes.ts";
import { planToJson, planToText } from "../core/format-plan.ts";
import { plan } from "../core/plan.ts";
import { formatProblem, type Site } from "../core/site.ts";
import { limitPlan, namedSites } from "../core/site-filter.ts";
import { applyPlan } from "../remote/apply-engine.ts";
import { refusals } from "../remote/refusals.ts";
import { closeSessions, openGateways } from "../remote/gateways.ts";
import { nonInteractivePrompts } from "../remote/noninteractive-prompts.ts";
import type { ApplyEvent } from "../remote/events.ts";
import { progressLine } from "./progress-log.ts";
import { trace, traceCpu } from "../remote/trace.ts";
import { readSite } from "./read-site.ts";

function doneText(site: Site, changed: number): string {
  return changed === 0
    ? "Nothing to change: both gateways already match the site file; tunnel verified.\n"
    : `Tunnel ${site.sites[0]!.name} <-> ${site.sites[1]!.name} is up and verified (${changed} gateway${changed === 1 ? "" : "s"} changed).\n`;
}

function doneSitesText(site: Site, changed: number): string {
  const n = site.sites.length;
  const pairs = (n * (n - 1)) / 2;
  const shape = site.topology?.kind === "hub" ? `hub ${site.topology.hub}` : "mesh";
  return changed === 0
    ? `Nothing to change: all ${n} gateways already match the site file; ${pairs} pairs verified (${shape}).\n`
    : `${n} sites are up and verified, ${pairs} pairs LAN to LAN (${shape}; ${changed} gateway${changed === 1 ? "" : "s"} changed).\n`;
}

export function runId(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

function log(event: ApplyEvent): void {
  if (event.type !== "plan" && event.type !== "check") trace(event.site, event.type === "step-start" || event.type === "step-done" || event.type === "step-failed" ? `${event.type}:${event.step}` : event.type);
  const line = progressLine(event);
  if (line) process.stderr.write(`${line}\n`);
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function connect(options: Options, lock: boolean) {
  const site = await readSite(options.config!);
  // Bad names exit 2 before any gateway is contacted.
  const named = namedSites(site, options.sites);
  const sessions = await openGateways(site, { sshConfig: options.sshConfig, knownHosts: options.knownHosts, identity: options.identity }, nonInteractivePrompts(options.acceptNewHostKeys), log, { lock });
  const problems = refusals(site, sessions, { adopt: options.adopt });
  if (problems.length > 0) {
    await closeSessions(sessions);
    throw new ExitError(ExitCode.InvalidInput, `refusing to change anything:\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`);
  }
  return { site, sessions, named };
}

/** `wgsite plan -c FILE`: connects, gathers facts, prints what apply would do; changes nothing. */
export async function planOnline(options: Options): Promise<number> {
  const { site, sessions } = await connect(options, false);
  try {
    const result = plan({ site, facts: sessions.map((s) => s.facts), runId: runId() });
    process.stdout.write(options.json ? `${JSON.stringify(planToJson(result), null, 2)}\n` : planToText(result));
    return ExitCode.Ok;
  } finally {
    await closeSessions(sessions);
  }
}

/** Below this, one lost handshake initiation (retried after REKEY_TIMEOUT, 5 s) fails verification. */
const MIN_VERIFY_SEC = 10;

/** `wgsite apply` and `wgsite --non-interactive`: the same engine as the wizard, without prompts. */
export function apply(options: Options): Promise<number> {
  return run(options, undefined);
}

/**
 * `wgsite rotate`: the apply engine with a plan that makes a new private key on each gateway (and a
 * new preshared key with --psk); the peers take them live, all or nothing, the old keys kept aside
 * until both gateways verified.
 */
export async function rotate(options: Options): Promise<number> {
  if (options.psk) {
    const site = await readSite(options.config!);
    if (!site.tunnel.presharedKey) throw new ExitError(ExitCode.InvalidInput, "--psk: tunnel.presharedKey is not on in the site file, so there is no preshared key to rotate; set presharedKey: true and run wgsite apply first");
  }
  return run(options, { psk: options.psk });
}

async function run(options: Options, rotation: { readonly psk: boolean } | undefined): Promise<number> {
  const verb = rotation ? "rotate" : "apply";
  if (!options.yes && !process.stdin.isTTY) {
    throw new ExitError(ExitCode.InvalidInput, `${verb} asks before changing gateways, and there is no terminal to ask on; add --yes (or use --non-interactive)`);
  }
  if (options.verifyTimeoutSec < MIN_VERIFY_SEC) {
    process.stderr.write(`wgsite: warning: --verify-timeout ${options.verifyTimeoutSec} is short: WireGuard retries a lost first handshake only after 5 s; ${MIN_VERIFY_SEC} or more leaves room for one retry\n`);
  }
  const { site, sessions, named } = await connect(options, true);
  traceCpu("facts-in");
  try {
    if (rotation) {
      const bare = sessions.filter((s) => !s.facts.publicKey || !s.facts.unit.active).map((s) => s.def.name);
      if (bare.length > 0) throw new ExitError(ExitCode.InvalidInput, `rotate: ${bare.join(" and ")} has no running tunnel with a key yet; run wgsite apply first`);
    }
    // One plan: the one shown and confirmed is the one that runs.
    const facts = sessions.map((s) => s.facts);
    const confirmed = limitPlan(plan({ site, facts, runId: runId(), adopt: options.adopt, ...(rotation ? { rotate: rotation } : {}) }), named, facts);
    if (!options.yes) {
      process.stderr.write(planToText(confirmed));
      const which = site.sites.length === 2 ? "both" : `all ${site.sites.length}`;
      if (!(await confirm(`${rotation ? "Rotate the keys on" : "Apply this plan to"} ${which} gateways? [y/N] `))) {
        process.stderr.write("Nothing was changed.\n");
        return ExitCode.Ok;
      }
    }
    traceCpu("planned");
    const report = await applyPlan(confirmed, sessions, { verifyTimeoutSec: options.verifyTimeoutSec, rollback: options.rollback, runId: confirmed.runId }, log);
    traceCpu("applied");
    const changed = report.gateways.filter((g) => g.changed).length;
    // What it cost on the wire, counted in the transport: for benchmarks and the curious.
    report.gateways.forEach((g, i) => (g.transport = { ...sessions[i]!.root.stats }));
    if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (!report.ok) {
      process.stderr.write(`wgsite: ${report.error}\n`);
      for (const line of report.rolledBack ?? []) process.stderr.write(`wgsite: ${line}\n`);
      if (!options.rollback) process.stderr.write(`wgsite: --no-rollback: ${site.sites.length === 2 ? "both" : "all"} gateways were left as they are for debugging\n`);
      return ExitCode.GatewayFailure;
    }
    if (rotation) {
      process.stderr.write(`New keys on ${site.sites.map((s) => s.name).join(" and ")}${rotation.psk ? " and a new preshared key" : ""}, taken live; tunnel verified. The old keys are gone.\n`);
      return ExitCode.Ok;
    }
    process.stderr.write(site.sites.length === 2 ? doneText(site, changed) : doneSitesText(site, changed));
    // The tunnel works; these are about the LANs behind it, for the operator to look at.
    for (const g of report.gateways) for (const c of g.checks.filter((c) => c.warning)) process.stderr.write(`wgsite: warning: ${g.site}: ${c.id}: ${c.detail}\n`);
    return ExitCode.Ok;
  } finally {
    await closeSessions(sessions);
  }
}
