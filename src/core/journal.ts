import type { HostFacts } from "./host-facts.ts";
import { initOf, serviceScriptOps } from "./init-system.ts";
import type { GatewayPlan, Op } from "./plan-types.ts";
import { configPath, keyPath, nftPath, pskPath, retiredInterface, sysctlPath } from "./plan.ts";
import type { SiteDef } from "./site.ts";

/** What wgsite did to a gateway, kept there so `remove` undoes exactly that and nothing else. */
export type Journal = {
  readonly managedBy: "wgsite";
  readonly version: 1;
  readonly interface: string;
  readonly site: string;
  readonly firstRun: string;
  readonly lastRun: string;
  /** The run that made the gateway's private key (first apply or `wgsite rotate`); older journals lack it. */
  readonly keysMadeAt?: string;
  /** The gateway before wgsite's first run touched it. */
  readonly before: { readonly unitEnabled: boolean; readonly unitActive: boolean; readonly ipForward: boolean; readonly ip6Forward?: boolean; readonly configExisted: boolean; readonly keyExisted: boolean; readonly pskExisted: boolean };
  /** Files wgsite created (absent before its first run) and backups it made of files it replaced. */
  readonly created: readonly string[];
  readonly backups: readonly string[];
  /** Field fixes in force (field-fixes.ts), each with the shell that removes it, so `remove` can even without PreDown. */
  readonly fixes?: readonly JournalFix[];
};

export type JournalFix = { readonly id: string; readonly title: string; readonly undo: string };

export function journalPath(iface: string): string {
  return `/var/lib/wgsite/${iface}.json`;
}

export function isJournal(value: unknown): value is Journal {
  return typeof value === "object" && value !== null && (value as Journal).managedBy === "wgsite";
}

/** The journal this gateway's tunnel continues: its own, or the one of the interface it renames. */
export function previousJournal(facts: HostFacts, retired: string | undefined): Journal | undefined {
  if (isJournal(facts.journal)) return facts.journal;
  const old = retired ? facts.ownedInterfaces?.find((o) => o.interface === retired)?.journal : undefined;
  return isJournal(old) ? old : undefined;
}

export function nextJournal(def: SiteDef, facts: HostFacts, gp: GatewayPlan, runId: string): Journal {
  const retired = gp.steps.some((s) => s.id === "retire") ? retiredInterface(def, facts) : undefined;
  const previous = previousJournal(facts, retired);
  // A journal from before wgsite read IPv6 forwarding gets it now: that run left it alone.
  const ip6 = facts.ip6Forward ? { ip6Forward: previous?.before.ip6Forward ?? facts.ip6Forward.runtime } : {};
  const before = previous ? { ...previous.before, ...ip6 } : {
    unitEnabled: facts.unit.enabled,
    unitActive: facts.unit.active,
    ipForward: facts.ipForward.runtime,
    ...ip6,
    configExisted: facts.existingConfig !== undefined,
    keyExisted: facts.publicKey !== undefined,
    pskExisted: facts.pskHash !== undefined,
  };
  // A renamed interface's files go with it; what it knew of the gateway before wgsite stays.
  const retiredPaths = retired ? [configPath(retired), nftPath(retired), sysctlPath(retired), keyPath(retired), pskPath(retired)] : [];
  const ofRetired = (path: string) => retiredPaths.some((p) => path === p || path.startsWith(`${p}.`));
  const created = new Set((previous?.created ?? []).filter((p) => !ofRetired(p)));
  const backups = new Set((previous?.backups ?? []).filter((p) => !ofRetired(p)));
  const own = (path: string) => previous !== undefined && (previous.created.includes(path) || previous.backups.some((b) => b.startsWith(`${path}.wgsite-backup-`)));
  for (const file of gp.files) {
    if (file.existing === undefined) created.add(file.path);
    // Only the first backup of a file that was not wgsite's is kept: `remove` puts it back.
    else if (file.existing !== null && file.existing !== file.content && !own(file.path)) backups.add(`${file.path}.wgsite-backup-${runId}`);
  }
  // Files this run takes away (a preshared key turned off, a hook file no longer used) are no longer wgsite's.
  for (const step of gp.steps.filter((s) => s.id === "psk" || s.id.startsWith("file:"))) {
    for (const op of step.ops) if (op.op === "move") created.delete(op.from);
  }
  const sysctl = sysctlPath(def.interface);
  // The OpenRC script and symlink wgsite installs where the system had none.
  if (gp.steps.some((s) => s.id === "service-script")) for (const p of serviceScriptOps(initOf(facts.init), facts, def.interface).created) created.add(p);
  if (facts.files[sysctl] === undefined && gp.steps.some((s) => s.id === "forwarding" && !s.noop)) created.add(sysctl);
  if (!before.keyExisted || retired) created.add(keyPath(def.interface));
  if ((!before.pskExisted || retired) && gp.steps.some((s) => s.id === "psk" && s.ops.some((o) => o.op === "write-secret"))) created.add(pskPath(def.interface));
  return {
    managedBy: "wgsite",
    version: 1,
    interface: def.interface,
    site: def.name,
    firstRun: previous?.firstRun ?? runId,
    lastRun: runId,
    keysMadeAt: gp.steps.some((s) => s.id === "keys" && s.ops.some((o) => o.op === "genkey")) ? runId : (previous?.keysMadeAt ?? previous?.firstRun ?? runId),
    before,
    created: [...created].sort(),
    backups: [...backups].sort(),
    fixes: gp.steps
      .filter((s) => s.id.startsWith("fix-"))
      .map((s) => ({ id: s.id.slice("fix-".length), title: s.title, undo: s.undo.flatMap((o) => (o.op === "run" ? [o.sh] : [])).join("; ") || "true" })),
  };
}

/** The journal as the write op that puts it on the gateway, before the run's changes. */
export function journalOp(def: SiteDef, facts: HostFacts, gp: GatewayPlan, runId: string): Op {
  return { op: "write", path: journalPath(def.interface), mode: "0600", content: `${JSON.stringify(nextJournal(def, facts, gp, runId), null, 2)}\n`, noBackup: true };
}
