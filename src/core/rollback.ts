import type { HostFacts } from "./host-facts.ts";
import { journalPath, nextJournal } from "./journal.ts";
import { backupPath } from "./plan.ts";
import type { GatewayPlan, Op, Step } from "./plan-types.ts";
import type { SiteDef } from "./site.ts";

export function revertUnit(iface: string): string {
  return `wgsite-revert-${iface.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

export function rollbackFile(iface: string): string {
  return `/run/wgsite/${iface}.rollback.sh`;
}

/** Steps of the plan that change the gateway: what a rollback undoes. */
export function changingSteps(gp: GatewayPlan): Step[] {
  return gp.steps.filter((s) => !s.noop && s.ops.length > 0);
}

/**
 * What returns a gateway to how the facts found it: the undo of every changing step, last first
 * (each undo is safe when its step never ran, so this is prepared before the run and armed on the
 * gateway), then the journal as it was. Packages stay.
 */
export function rollbackOps(gp: GatewayPlan, facts: HostFacts): Op[] {
  const undo = [...changingSteps(gp)].reverse().flatMap((s) => s.undo);
  const journal: Op[] =
    facts.journal === undefined
      ? [{ op: "remove", paths: [journalPath(gp.interface)] }, { op: "run", sh: "rmdir /var/lib/wgsite 2>/dev/null", mayFail: true }]
      : [{ op: "write", path: journalPath(gp.interface), mode: "0600", content: `${JSON.stringify(facts.journal, null, 2)}\n`, noBackup: true }];
  return [...undo, ...journal];
}

/** Files this run moved or replaced; their backups are kept until the run is verified. */
function touchedPaths(gp: GatewayPlan): string[] {
  return changingSteps(gp).flatMap((s) =>
    s.ops.flatMap((o) => (o.op === "write" || o.op === "write-secret" ? [o.path] : o.op === "move" ? [o.from] : [])),
  );
}

/**
 * After verification passed: the backups of wgsite's own earlier files (and of a retired
 * interface's files) go, so a gateway after any history holds what a fresh apply leaves. The first
 * backup of a file that was not wgsite's stays: the journal lists it and `remove` restores it.
 */
export function commitOps(def: SiteDef, facts: HostFacts, gp: GatewayPlan, runId: string): Op[] {
  const kept = new Set(nextJournal(def, facts, gp, runId).backups);
  const paths = [...new Set(touchedPaths(gp).map((p) => backupPath(p, runId)))].filter((b) => !kept.has(b));
  return paths.length > 0 ? [{ op: "remove", paths }] : [];
}
