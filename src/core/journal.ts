import type { HostFacts } from "./host-facts.ts";
import type { GatewayPlan } from "./plan-types.ts";
import { keyPath, sysctlPath } from "./plan.ts";
import { atomicWrite } from "./shell.ts";
import type { SiteDef } from "./site.ts";

/** What wgsite did to a gateway, kept there so `remove` undoes exactly that and nothing else. */
export type Journal = {
  readonly managedBy: "wgsite";
  readonly version: 1;
  readonly interface: string;
  readonly site: string;
  readonly firstRun: string;
  readonly lastRun: string;
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

export function nextJournal(def: SiteDef, facts: HostFacts, gp: GatewayPlan, runId: string): Journal {
  const previous = isJournal(facts.journal) ? facts.journal : undefined;
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
  const created = new Set(previous?.created ?? []);
  const backups = new Set(previous?.backups ?? []);
  for (const file of gp.files) {
    if (file.existing === undefined) created.add(file.path);
    else if (file.existing !== file.content) backups.add(`${file.path}.wgsite-backup-${runId}`);
  }
  const sysctl = sysctlPath(def.interface);
  if (facts.files[sysctl] === undefined && gp.steps.some((s) => s.id === "forwarding" && !s.noop)) created.add(sysctl);
  if (!before.keyExisted) created.add(keyPath(def.interface));
  if (!before.pskExisted && gp.steps.some((s) => s.id === "psk")) created.add(`/etc/wireguard/${def.interface}.psk`);
  return {
    managedBy: "wgsite",
    version: 1,
    interface: def.interface,
    site: def.name,
    firstRun: previous?.firstRun ?? runId,
    lastRun: runId,
    before,
    created: [...created].sort(),
    backups: [...backups].sort(),
    fixes: gp.steps.filter((s) => s.id.startsWith("fix-")).map((s) => ({ id: s.id.slice("fix-".length), title: s.title, undo: s.undo })),
  };
}

/** Shell that writes the journal; run after the steps of a run that changed something. */
export function journalWrite(def: SiteDef, facts: HostFacts, gp: GatewayPlan, runId: string): string {
  const journal = nextJournal(def, facts, gp, runId);
  return `${atomicWrite(journalPath(def.interface), `${JSON.stringify(journal, null, 2)}\n`, "0600", runId)} && rm -f ${journalPath(def.interface)}.wgsite-backup-${runId}`;
}
