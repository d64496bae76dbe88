import { generatePresharedKey, isValidKey } from "../core/keys.ts";
import { plan, keyPath } from "../core/plan.ts";
import type { GatewayPlan, Plan, Step } from "../core/plan-types.ts";
import { redact, type Secret } from "../core/secret.ts";
import type { Site } from "../core/site.ts";
import { journalWrite } from "../core/journal.ts";
import { armRevert, disarmRevert, rollbackScript } from "../core/rollback.ts";
import { initOf } from "../core/init-system.ts";
import { batchScript, BatchReader, verifyScript, type BatchEvent } from "./batch.ts";
import type { ApplyReport, CheckReport, Emit, GatewayReport, StepReport } from "./events.ts";
import type { ExecOptions } from "./connection.ts";
import type { GatewaySession } from "./gateways.ts";

export type ApplyOptions = {
  readonly verifyTimeoutSec: number;
  /** Undo both gateways when the run fails (default); false keeps the state for debugging. */
  readonly rollback: boolean;
  /** Suffix of backups and journal entries of this run. */
  readonly runId: string;
};

/** Steps that must run before the public keys can be exchanged. */
const PHASE_A = new Set(["install", "keys"]);
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

function tracker(session: GatewaySession): Tracker {
  return { report: { site: session.def.name, interface: session.def.interface, changed: false, steps: [], checks: [] } };
}

/** Runs a batch on a gateway and turns its markers into events and report entries. */
async function runBatch(session: GatewaySession, t: Tracker, steps: readonly Step[], script: string, stdin: string | undefined, emit: Emit, secrets: readonly (Secret | undefined)[]): Promise<string> {
  const site = session.def.name;
  const titles = new Map(steps.map((s) => [s.id, s.title]));
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
    } else {
      const warning = event.warning ? { warning: true as const } : {};
      t.report.checks.push({ id: event.id, ok: event.ok, detail: event.detail, ...warning });
      emit({ type: "check", site, id: event.id, ok: event.ok, detail: event.detail, ...warning });
    }
  });
  const describe = `wgsite's ${steps.length > 0 ? `steps (${steps.map((s) => s.id).join(", ")})` : "verification"}`;
  const result = await session.root.exec(script, { ...(stdin === undefined ? {} : { stdin }), onStdout: (chunk) => reader.push(chunk), timeoutMs: 15 * 60_000, describe } as ExecOptions);
  reader.end();
  if (failure) throw failure;
  if (result.code !== 0) {
    throw new StepFailure(site, "batch", redact(`${result.stderr}`.trim() || `exit code ${result.code}`, secrets));
  }
  return result.stdout;
}

function reportNoops(t: Tracker, gp: GatewayPlan, ids: (id: string) => boolean, emit: Emit): void {
  for (const step of gp.steps.filter((s) => ids(s.id) && s.noop)) {
    t.report.steps.push({ id: step.id, title: step.title, status: "unchanged", ms: 0, note: step.noop });
    emit({ type: "step-done", site: gp.site, step: step.id, title: step.title, ms: 0, changed: false, note: step.noop });
  }
}

/** Phase A: packages and keys; returns the gateway's public key (only the public key leaves it). */
async function phaseA(session: GatewaySession, t: Tracker, gp: GatewayPlan, runId: string, emit: Emit): Promise<string> {
  reportNoops(t, gp, (id) => PHASE_A.has(id), emit);
  const steps = gp.steps.filter((s) => PHASE_A.has(s.id) && !s.noop);
  if (steps.length === 0 && session.facts.publicKey) return session.facts.publicKey;
  const tail = [`echo "${PUBKEY_MARK} $(wg pubkey < ${keyPath(session.def.interface)})"`];
  const fault = faultAfter(session.def.name);
  // The journal is written before the change, so a run cut short still leaves a record of it.
  const pre = steps.length > 0 ? [journalWrite(session.def, session.facts, gp, runId)] : [];
  const out = await runBatch(session, t, steps, batchScript(steps, tail, { pre, ...(fault ? { cutAfter: fault } : {}) }), undefined, emit, [session.password]);
  const key = new RegExp(`^${PUBKEY_MARK} (\\S+)$`, "m").exec(out)?.[1];
  if (!key || !isValidKey(key)) throw new StepFailure(session.def.name, "keys", "could not read the public key back from the gateway");
  return key;
}

/** Phase B: everything that needs both public keys, then verification, in one round trip. */
async function phaseB(session: GatewaySession, t: Tracker, gp: GatewayPlan, psk: Secret | undefined, armed: string | undefined, options: ApplyOptions, emit: Emit): Promise<void> {
  reportNoops(t, gp, (id) => !PHASE_A.has(id), emit);
  const steps = gp.steps.filter((s) => !PHASE_A.has(s.id) && !s.noop);
  const needsPsk = steps.some((s) => s.id === "psk");
  const extra: string[] = [verifyScript(gp.verify, options.verifyTimeoutSec)];
  // Verification passed and its output is on its way to wgsite: the change is confirmed. This also
  // disarms a timer left by an earlier run that lost its session, now that the tunnel is verified.
  if (session.facts.init !== "unknown") extra.push(`[ "$vfail" = 0 ] && { ${disarmRevert(session.def.interface, initOf(session.facts.init))}; }`, "true");
  const fault = faultAfter(session.def.name);
  const script = batchScript(steps, extra, {
    ...(needsPsk ? { stdinVariables: ["WGSITE_PSK"] } : {}),
    pre: [...(steps.length > 0 ? [journalWrite(session.def, session.facts, gp, options.runId)] : []), ...(armed ? [armed] : [])],
    ...(fault ? { cutAfter: fault } : {}),
  });
  await runBatch(session, t, steps, script, needsPsk && psk ? `${psk.reveal()}\n` : undefined, emit, [session.password, psk]);
}

/** Steps of this run that change the gateway, across both phases: what a rollback undoes. */
function changingSteps(first: GatewayPlan, second: GatewayPlan): Step[] {
  return [...first.steps.filter((s) => PHASE_A.has(s.id) && !s.noop), ...second.steps.filter((s) => !PHASE_A.has(s.id) && !s.noop)];
}

async function rollBack(session: GatewaySession, steps: readonly Step[], runId: string): Promise<string> {
  const iface = session.def.interface;
  try {
    const result = await session.root.exec(`${rollbackScript(iface, session.facts, steps, runId)}${disarmRevert(iface, initOf(session.facts.init))}`, { timeoutMs: 120_000 });
    return result.code === 0 ? `${session.def.name}: rolled back to its previous state` : `${session.def.name}: rollback ended with exit code ${result.code}: ${result.stderr.trim()}`;
  } catch (error) {
    return `${session.def.name}: could not roll back (${(error as Error).message}); its revert timer restores it within the deadline if one was armed`;
  }
}

function failureText(reason: unknown): string {
  return reason instanceof StepFailure ? `${reason.site}: step "${reason.step}" failed${reason.output ? `:\n${reason.output}` : ""}` : (reason as Error).message;
}

/**
 * Applies the plan to both gateways in parallel: facts are in, so phase A (install, keys) and
 * phase B (files, forwarding, unit, verification) make two more round trips at most. All or
 * nothing: when either gateway fails or verification does not pass, both are rolled back.
 */
export async function applyGateways(site: Site, sessions: readonly [GatewaySession, GatewaySession], options: ApplyOptions, emit: Emit): Promise<ApplyReport> {
  const facts = [sessions[0].facts, sessions[1].facts] as const;
  const first = plan({ site, facts, runId: options.runId });
  emit({ type: "plan", plan: first });
  const trackers = sessions.map(tracker) as [Tracker, Tracker];
  let second: Plan = first;
  let failure: string | undefined;
  const keys = await Promise.allSettled(sessions.map((s, i) => phaseA(s, trackers[i]!, first.gateways[i]!, options.runId, emit)));
  const keyFailures = keys.filter((k): k is PromiseRejectedResult => k.status === "rejected");
  if (keyFailures.length > 0) {
    failure = keyFailures.map((k) => failureText(k.reason)).join("\n");
  } else {
    const [a, b] = keys.map((k) => (k as PromiseFulfilledResult<string>).value);
    const pskNeeded = first.gateways.some((g) => g.steps.some((s) => s.id === "psk" && !s.noop));
    const psk = pskNeeded ? generatePresharedKey() : undefined;
    second = plan({ site, facts, publicKeys: [a, b], runId: options.runId });
    const results = await Promise.allSettled(
      sessions.map((s, i) => {
        const steps = changingSteps(first.gateways[i]!, second.gateways[i]!);
        const armed = options.rollback && steps.length > 0 && s.facts.init !== "unknown"
          ? armRevert(s.def.interface, rollbackScript(s.def.interface, s.facts, steps, options.runId), options.verifyTimeoutSec + 60, options.runId, initOf(s.facts.init))
          : undefined;
        return phaseB(s, trackers[i]!, second.gateways[i]!, psk, armed, options, emit);
      }),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    const failedChecks = trackers.flatMap((t) => t.report.checks.filter((c) => !c.ok && !c.warning).map((c) => `${t.report.site}: ${c.id}: ${c.detail}`));
    if (failed.length > 0) failure = failed.map((r) => failureText(r.reason)).join("\n");
    else if (failedChecks.length > 0) failure = `verification failed:\n  ${failedChecks.join("\n  ")}`;
  }
  const gateways = trackers.map((t) => t.report);
  if (!failure) return { ok: true, gateways };
  if (!options.rollback || !trackers.some((t) => t.report.changed)) return { ok: false, gateways, error: failure };
  const rolledBack = await Promise.all(
    sessions.map((s, i) => {
      const steps = changingSteps(first.gateways[i]!, second.gateways[i]!);
      return steps.length > 0 ? rollBack(s, steps, options.runId) : `${s.def.name}: had nothing to change, left as it is`;
    }),
  );
  return { ok: false, gateways, error: failure, rolledBack };
}
