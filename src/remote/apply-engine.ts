import { generatePresharedKey, isValidKey } from "../core/keys.ts";
import { journalOp } from "../core/journal.ts";
import { keyPath } from "../core/plan.ts";
import type { GatewayPlan, Op, Plan, Step } from "../core/plan-types.ts";
import type { Site } from "../core/site.ts";
import { changingSteps, commitOps, revertUnit, rollbackFile, rollbackOps } from "../core/rollback.ts";
import { redact, type Secret } from "../core/secret.ts";
import { batchScript, BatchReader, verifyScript, type BatchEvent } from "./batch.ts";
import { armRevertCommand, disarmRevertCommand, opShell, undoShell, type OpContext } from "./ops-shell.ts";
import { verdicts, verifySample } from "../status/verify.ts";
import type { ApplyReport, CheckReport, Emit, GatewayReport, StepReport } from "./events.ts";
import type { ExecOptions } from "./connection.ts";
import type { GatewaySession } from "./gateways.ts";
import { judgeSites, verifySitesScript } from "./verify-sites.ts";
import { gatewayCpuMark, remoteMarks, trace, tracing } from "./trace.ts";

export type ApplyOptions = {
  readonly verifyTimeoutSec: number;
  /** Undo both gateways when the run fails (default); false keeps the state for debugging. */
  readonly rollback: boolean;
  /** Suffix of backups and journal entries of this run. */
  readonly runId: string;
};

const PUBKEY_MARK = "@@wgsite-pubkey";

/**
 * Fault injection for the end-to-end tests: WGSITE_TEST_CUT_AFTER=<site>:<step> makes the gateway
 * drop the SSH connection right after that step, as a network failure would.
 */
function faultAfter(site: string): string | undefined {
  const spec = process.env.WGSITE_TEST_CUT_AFTER;
  if (!spec) return undefined;
  const [where, step] = spec.split(":");
  return where === site ? step : undefined;
}

export class StepFailure extends Error {
  constructor(
    readonly site: string,
    readonly step: string,
    readonly output: string,
  ) {
    super(`${site}: step "${step}" failed`);
  }
}

type Tracker = { readonly report: GatewayReport & { steps: StepReport[]; checks: CheckReport[]; changed: boolean } };

function tracker(gp: GatewayPlan): Tracker {
  return { report: { site: gp.site, interface: gp.interface, changed: false, traffic: gp.traffic, steps: [], checks: [] } };
}

/** Runs a batch on a gateway and turns its markers into events and report entries. */
async function runBatch(session: GatewaySession, t: Tracker, steps: readonly Step[], script: string, stdin: string | undefined, emit: Emit, secrets: readonly (Secret | undefined)[]): Promise<string> {
  const site = session.def.name;
  const titles = new Map<string, string>(steps.map((s) => [s.id, s.title]));
  titles.set("verify", "Verify the tunnel");
  const started = new Map<string, number>();
  let failure: StepFailure | undefined;
  const reader = new BatchReader((event: BatchEvent) => {
    if (event.type === "step-start") {
      started.set(event.step, event.at);
      emit({ type: "step-start", site, step: event.step, title: titles.get(event.step) ?? event.step });
    } else if (event.type === "step-end") {
      const ms = event.at - (started.get(event.step) ?? event.at);
      const title = titles.get(event.step) ?? event.step;
      if (event.code === 0) {
        if (event.step !== "verify") {
          t.report.steps.push({ id: event.step, title, status: "changed", ms });
          t.report.changed = true;
        }
        emit({ type: "step-done", site, step: event.step, title, ms, changed: event.step !== "verify" });
      } else {
        const output = redact(event.output, secrets).trim();
        t.report.steps.push({ id: event.step, title, status: "failed", ms });
        failure = new StepFailure(site, event.step, output);
        emit({ type: "step-failed", site, step: event.step, title, ms, output });
      }
    }
  });
  const describe = `wgsite's ${steps.length > 0 ? `steps (${steps.map((s) => s.id).join(", ")})` : "verification"}`;
  const phase = steps.length > 0 ? steps[0]!.phase : "verify";
  trace(site, `${phase}-sent`);
  // Traced: the gateway's CPU seconds so far (all its processes, the reaped ones' included), before and after.
  if (tracing()) script = `${gatewayCpuMark(`${phase}-start`)}\n${script}\n${gatewayCpuMark(`${phase}-end`)}`;
  const result = await session.root.exec(script, { ...(stdin === undefined ? {} : { stdin }), onStdout: (chunk) => reader.push(chunk), timeoutMs: 15 * 60_000, describe } as ExecOptions);
  reader.end();
  trace(site, `${phase}-back`);
  remoteMarks(site, result.stderr);
  if (failure) throw failure;
  if (result.code !== 0) {
    throw new StepFailure(site, "batch", redact(`${result.stderr}`.trim() || `exit code ${result.code}`, secrets));
  }
  return result.stdout;
}

function reportNoops(t: Tracker, steps: readonly Step[], emit: Emit): void {
  for (const step of steps.filter((s) => s.noop)) {
    t.report.steps.push({ id: step.id, title: step.title, status: "unchanged", ms: 0, note: step.noop });
    emit({ type: "step-done", site: t.report.site, step: step.id, title: step.title, ms: 0, changed: false, note: step.noop });
  }
}

const toDo = (gp: GatewayPlan, phase: Step["phase"]) => gp.steps.filter((s) => s.phase === phase && !s.noop);

/** Prepare phase: packages and keys; returns the gateway's public key (only the public key leaves it). */
async function prepare(session: GatewaySession, t: Tracker, gp: GatewayPlan, ctx: OpContext, emit: Emit): Promise<string | undefined> {
  reportNoops(t, gp.steps.filter((s) => s.phase === "prepare"), emit);
  const steps = toDo(gp, "prepare");
  if (steps.length === 0) return session.facts.publicKey;
  const tail = [`echo "${PUBKEY_MARK} $(wg pubkey < ${keyPath(gp.interface)})"`];
  const fault = faultAfter(gp.site);
  // The journal is written before the change, so a run cut short still leaves a record of it.
  const pre = [opShell(journalOp(session.def, session.facts, gp, ctx.runId), ctx)];
  const out = await runBatch(session, t, steps, batchScript(steps, ctx, tail, { pre, ...(fault ? { cutAfter: fault } : {}) }), undefined, emit, [session.password]);
  const key = new RegExp(`^${PUBKEY_MARK} (\\S+)$`, "m").exec(out)?.[1];
  if (!key || !isValidKey(key)) throw new StepFailure(gp.site, "keys", "could not read the public key back from the gateway");
  return key;
}

/** The values the prepare phase brought (the peers' public keys) put where the plan holds their tokens. */
export function bindPlan(gp: GatewayPlan, values: ReadonlyMap<string, string>): GatewayPlan {
  if (gp.bindings.length === 0) return gp;
  const fill = (text: string) => gp.bindings.reduce((acc, b) => acc.replaceAll(b.token, values.get(b.site) ?? b.token), text);
  const bindOp = (o: Op): Op => (o.op === "write" ? { ...o, content: fill(o.content) } : o);
  return {
    ...gp,
    files: gp.files.map((f) => ({ ...f, content: fill(f.content) })),
    steps: gp.steps.map((s) => ({ ...s, ops: s.ops.map(bindOp), undo: s.undo.map(bindOp) })),
  };
}

function rollbackShell(gp: GatewayPlan, session: GatewaySession, ctx: OpContext): string {
  return `${undoShell(rollbackOps(gp, session.facts), ctx)}\ntrue\n`;
}

/** Configure phase: everything that needs both public keys, then the verification probe, in one round trip. */
async function configure(session: GatewaySession, t: Tracker, gp: GatewayPlan, psk: Secret | undefined, options: ApplyOptions, emit: Emit, site?: Site): Promise<string> {
  const ctx: OpContext = { runId: options.runId };
  reportNoops(t, gp.steps.filter((s) => s.phase === "configure"), emit);
  const steps = toDo(gp, "configure");
  const needsPsk = steps.some((s) => s.ops.some((o) => o.op === "write-secret"));
  const iface = gp.interface;
  const init = gp.init === "unknown" ? undefined : gp.init;
  const pre: string[] = [];
  if (changingSteps(gp).length > 0) {
    pre.push(opShell(journalOp(session.def, session.facts, gp, options.runId), ctx));
    // Commit-confirm: the gateway undoes this run by itself unless the commit disarms it.
    if (options.rollback && init) {
      pre.push(opShell({ op: "write", path: rollbackFile(iface), mode: "0700", content: rollbackShell(gp, session, ctx), noBackup: true }, ctx));
      pre.push(armRevertCommand(init, revertUnit(iface), rollbackFile(iface), options.verifyTimeoutSec + 60));
    }
  }
  const fault = faultAfter(gp.site);
  const verify = gp.pairs ? verifySitesScript(gp, options.verifyTimeoutSec, site) : verifyScript(gp.verify, options.verifyTimeoutSec, gp.index === 1);
  const script = batchScript(steps, ctx, [verify], { ...(needsPsk ? { stdinVariables: ["WGSITE_PSK"] } : {}), pre, ...(fault ? { cutAfter: fault } : {}) });
  return runBatch(session, t, steps, script, needsPsk && psk ? `${psk.reveal()}\n` : undefined, emit, [session.password, psk]);
}

/**
 * Both gateways verified: the change is confirmed on each that changed (or still had an earlier
 * run's timer armed): the revert timer disarmed, the backups of wgsite's own earlier files removed.
 * Only now, so a run that fails on either gateway can still restore both.
 */
async function commit(session: GatewaySession, gp: GatewayPlan, options: ApplyOptions): Promise<void> {
  const init = gp.init === "unknown" ? undefined : gp.init;
  const ops = commitOps(session.def, session.facts, gp, options.runId).map((o) => opShell(o, { runId: options.runId }));
  const disarm = init ? [`${disarmRevertCommand(init, revertUnit(gp.interface))}; rm -f ${rollbackFile(gp.interface)}`] : [];
  if (ops.length === 0 && disarm.length === 0) return;
  trace(gp.site, "commit-sent");
  const result = await session.root.exec([...disarm, ...ops].join("\n"), { timeoutMs: 60_000, describe: "wgsite's commit (revert disarmed, backups removed)" } as ExecOptions);
  trace(gp.site, "commit-back");
  if (result.code !== 0) throw new Error(`${gp.site}: could not confirm the change (exit ${result.code}): ${redact(result.stderr.trim(), [session.password])}`);
}

async function rollBack(session: GatewaySession, gp: GatewayPlan, ctx: OpContext): Promise<string> {
  const init = gp.init === "unknown" ? undefined : gp.init;
  const disarm = init ? `${disarmRevertCommand(init, revertUnit(gp.interface))}; rm -f ${rollbackFile(gp.interface)}` : "true";
  try {
    const result = await session.root.exec(`${rollbackShell(gp, session, ctx)}${disarm}\n`, { timeoutMs: 120_000, describe: "wgsite's rollback" } as ExecOptions);
    return result.code === 0
      ? `${gp.site}: rolled back to its previous state`
      : `${gp.site}: rollback ended with exit code ${result.code}: ${redact(result.stderr.trim(), [session.password])}`;
  } catch (error) {
    return `${gp.site}: could not roll back (${(error as Error).message}); its revert timer restores it within the deadline if one was armed`;
  }
}

/** Judges both gateways' verification probes with the status checks (each needs the other's sample); the failure text, if any. */
function judge(plan: Plan, outputs: readonly string[], trackers: readonly Tracker[], emit: Emit): string | undefined {
  if (plan.gateways.some((gp) => gp.pairs)) return judgeAll(plan, outputs, trackers, emit);
  const samples = plan.gateways.map((gp, i) => verifySample(outputs[i]!, gp.verify));
  const missing = plan.gateways.filter((_, i) => !samples[i]).map((gp) => `${gp.site}: the verification probe did not run`);
  if (missing.length > 0) return missing.join("\n");
  const red: string[] = [];
  plan.gateways.forEach((gp, i) => {
    for (const v of verdicts(plan.site, gp.index, samples[i]!, samples[i === 0 ? 1 : 0])) {
      trackers[i]!.report.checks.push(v);
      emit({ type: "check", site: gp.site, ...v });
      if (!v.ok && !v.warning) red.push(`${gp.site}: ${v.id}: ${v.detail}`);
    }
  });
  return red.length > 0 ? `verification failed:\n  ${red.join("\n  ")}` : undefined;
}

/** More than two sites: every pair that should talk, from both ends. */
function judgeAll(plan: Plan, outputs: readonly string[], trackers: readonly Tracker[], emit: Emit): string | undefined {
  const { verdicts: all, missing } = judgeSites(plan, outputs);
  if (missing.length > 0) return missing.join("\n");
  const red: string[] = [];
  plan.gateways.forEach((gp, i) => {
    for (const { pair: _pair, ...v } of all[i]!) {
      trackers[i]!.report.checks.push(v);
      emit({ type: "check", site: gp.site, ...v });
      if (!v.ok && !v.warning) red.push(`${gp.site}: ${v.id}: ${v.detail}`);
    }
  });
  return red.length > 0 ? `verification failed:\n  ${red.join("\n  ")}` : undefined;
}

function failureText(reason: unknown): string {
  return reason instanceof StepFailure ? `${reason.site}: step "${reason.step}" failed${reason.output ? `:\n${reason.output}` : ""}` : (reason as Error).message;
}

/**
 * Runs the plan the operator confirmed on both gateways in parallel: facts are in, so the prepare
 * phase (install, keys) and the configure phase (files, forwarding, unit, verification) make two
 * more round trips at most. The public keys the first brings are bound into the plan, which is
 * not computed again. All or nothing: when either gateway fails or verification does not pass,
 * both are rolled back to how the facts found them.
 */
export async function applyPlan(plan: Plan, sessions: readonly GatewaySession[], options: ApplyOptions, emit: Emit): Promise<ApplyReport> {
  emit({ type: "plan", plan });
  const ctx: OpContext = { runId: options.runId };
  const trackers = plan.gateways.map(tracker);
  let bound: readonly GatewayPlan[] = plan.gateways;
  let failure: string | undefined;
  const keys = await Promise.allSettled(sessions.map((s, i) => prepare(s, trackers[i]!, plan.gateways[i]!, ctx, emit)));
  const keyFailures = keys.filter((k): k is PromiseRejectedResult => k.status === "rejected");
  if (keyFailures.length > 0) {
    failure = keyFailures.map((k) => failureText(k.reason)).join("\n");
  } else {
    const values = new Map<string, string>();
    keys.forEach((k, i) => {
      const key = (k as PromiseFulfilledResult<string | undefined>).value;
      if (key) values.set(plan.gateways[i]!.site, key);
    });
    bound = plan.gateways.map((gp) => bindPlan(gp, values));
    const psk = bound.some((g) => g.needsPsk) ? generatePresharedKey() : undefined;
    const results = await Promise.allSettled(sessions.map((s, i) => configure(s, trackers[i]!, bound[i]!, psk, options, emit, plan.site)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length > 0) failure = failed.map((r) => failureText(r.reason)).join("\n");
    else failure = judge(plan, results.map((r) => (r as PromiseFulfilledResult<string>).value), trackers, emit);
    if (!failure) {
      const due = sessions.map((s, i) => (changingSteps(bound[i]!).length > 0 || s.facts.revertArmed ? commit(s, bound[i]!, options) : undefined));
      const commits = await Promise.allSettled(due);
      const lost = commits.filter((c): c is PromiseRejectedResult => c.status === "rejected");
      // Verified on both, so no rollback: a gateway that could not be confirmed reverts by its own timer.
      if (lost.length > 0) return { ok: false, gateways: trackers.map((t) => t.report), error: `${lost.map((c) => (c.reason as Error).message).join("\n")}; its revert timer restores it, then run wgsite apply again` };
    }
  }
  const gateways = trackers.map((t) => t.report);
  if (!failure) return { ok: true, gateways };
  if (!options.rollback || !trackers.some((t) => t.report.changed)) return { ok: false, gateways, error: failure };
  const rolledBack = await Promise.all(
    sessions.map((s, i) => (changingSteps(bound[i]!).length > 0 ? rollBack(s, bound[i]!, ctx) : `${s.def.name}: had nothing to change, left as it is`)),
  );
  return { ok: false, gateways, error: failure, rolledBack };
}
