import type { HostFacts } from "./host-facts.ts";
import { journalPath } from "./journal.ts";
import type { Step } from "./plan-types.ts";
import { atomicWrite, quote } from "./shell.ts";
import { armRevertCommand, disarmRevertCommand, initOf, unitCommand, type InitSystem } from "./init-system.ts";

export function revertUnit(iface: string): string {
  return `wgsite-revert-${iface.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

export function rollbackFile(iface: string): string {
  return `/run/wgsite/${iface}.rollback.sh`;
}

/**
 * Shell that returns a gateway to how the facts found it, undoing the given steps of this run:
 * the unit is stopped first (PreDown takes wgsite's rules away), files and keys are undone in
 * reverse order, then the unit is put back as it was, and the journal as it was. Packages stay.
 */
export function rollbackScript(iface: string, facts: HostFacts, started: readonly Step[], runId: string): string {
  const init = initOf(facts.init);
  const lines = [`${unitCommand(init, "stop", iface)} 2>/dev/null; ip link show ${quote(iface)} >/dev/null 2>&1 && wg-quick down ${quote(iface)} 2>/dev/null`];
  for (const step of [...started].reverse()) {
    if (step.id === "unit" || step.id === "install") continue;
    lines.push(`{ ${step.undo}; } 2>/dev/null`);
  }
  lines.push(facts.unit.enabled ? unitCommand(init, "enable", iface) : `${unitCommand(init, "disable", iface)} 2>/dev/null`);
  if (facts.unit.active) lines.push(unitCommand(init, "start", iface));
  lines.push(
    facts.journal === undefined
      ? `rm -f ${journalPath(iface)}; rmdir /var/lib/wgsite 2>/dev/null`
      : atomicWrite(journalPath(iface), `${JSON.stringify(facts.journal, null, 2)}\n`, "0600", `rollback-${runId}`),
  );
  return `${lines.join("\n")}\ntrue\n`;
}

/**
 * Commit-confirm on the gateway: a transient timer that runs the rollback unless the run disarms
 * it after verification passed. A run whose session dies half-way is undone by the gateway itself.
 */
export function armRevert(iface: string, script: string, afterSec: number, runId: string, init: InitSystem = "systemd"): string {
  return [
    atomicWrite(rollbackFile(iface), script, "0700", runId),
    `rm -f ${rollbackFile(iface)}.wgsite-backup-${runId}`,
    armRevertCommand(init, revertUnit(iface), rollbackFile(iface), afterSec),
  ].join("\n");
}

export function disarmRevert(iface: string, init: InitSystem = "systemd"): string {
  return `${disarmRevertCommand(init, revertUnit(iface))}; rm -f ${rollbackFile(iface)}; true`;
}
