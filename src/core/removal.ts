import type { HostFacts } from "./host-facts.ts";
import { serviceLinkPath, type InitSystem } from "./init-system.ts";
import { OPENRC_SCRIPT_PATH } from "./openrc-service.ts";
import { isJournal, journalPath, type Journal } from "./journal.ts";
import type { Op, Step } from "./plan-types.ts";
import { configPath, keyPath, nftPath, pskPath, sysctlPath } from "./plan.ts";
import { reresolveRemovalStep } from "./reresolve.ts";

/**
 * The steps that undo what the journal says wgsite did, and nothing else: files that existed
 * before wgsite come back from their first backup, files it created go, the unit returns to its
 * earlier state. Stopping the unit runs PreDown; wgsite's marked rules are swept after it, and the
 * journal's record of each field fix removes those even when PreDown could not.
 */
export function removalSteps(iface: string, facts: HostFacts, keepKeys: boolean): { steps: Step[]; noop?: string } {
  if (!isJournal(facts.journal)) {
    return { steps: [], noop: `no wgsite journal for ${iface} (${journalPath(iface)}): nothing of wgsite's to remove` };
  }
  const journal: Journal = facts.journal;
  const init: InitSystem = facts.init === "openrc" ? "openrc" : "systemd";
  const unitName = init === "systemd" ? `wg-quick@${iface}` : `wg-quick.${iface}`;
  const created = new Set(journal.created);
  const step = (id: Step["id"], title: string, ops: readonly Op[]): Step => ({ id, phase: "configure", title, ops, undo: [] });
  const steps: Step[] = [];
  steps.push(
    step("unit", journal.before.unitEnabled ? `Stop ${unitName} (it is restored after the config)` : `Stop and disable ${unitName}`, [
      { op: "unit", init, action: "disable-stop", iface },
      { op: "run", sh: `ip link show ${iface} >/dev/null 2>&1 && wg-quick down ${iface}`, mayFail: true },
      { op: "sweep-rules", iface },
    ]),
  );
  const fixes = journal.fixes ?? [];
  if (fixes.length > 0) {
    steps.push(step("fixes", `Remove wgsite's firewall and sysctl fixes (${fixes.map((f) => f.id).join(", ")})`, fixes.map((f): Op => ({ op: "run", sh: f.undo, mayFail: true }))));
  }
  // Issue 19: the endpoint re-resolution job, found by its mark (reresolve.ts).
  const reresolve = reresolveRemovalStep(iface, facts);
  if (reresolve) steps.push(reresolve);
  const firstBackup = (path: string) => journal.backups.filter((b) => b.startsWith(`${path}.wgsite-backup-`)).sort()[0];
  const ops: Op[] = [];
  for (const path of [configPath(iface), nftPath(iface), sysctlPath(iface)]) {
    const backup = firstBackup(path);
    if (created.has(path)) ops.push({ op: "remove", paths: [path] });
    else if (backup) ops.push({ op: "move", from: backup, to: path });
  }
  // wgsite's OpenRC symlink, and its script once no other interface's symlink uses it.
  if (created.has(serviceLinkPath(iface))) ops.push({ op: "remove", paths: [serviceLinkPath(iface)] });
  if (created.has(OPENRC_SCRIPT_PATH)) ops.push({ op: "run", sh: `[ -n "$(ls -d ${OPENRC_SCRIPT_PATH}.* 2>/dev/null)" ] || rm -f ${OPENRC_SCRIPT_PATH}`, mayFail: true });
  // The first backup of each file was moved back above; any later ones hold wgsite's own earlier versions.
  if (journal.backups.length > 0) ops.push({ op: "remove", paths: journal.backups });
  steps.push(step("files", "Remove wgsite's config files (restore what was there before)", ops));
  if (!journal.before.ipForward && created.has(sysctlPath(iface))) {
    steps.push(step("forwarding", "Turn IPv4 forwarding back off (it was off before wgsite)", [{ op: "run", sh: "sysctl -q -w net.ipv4.ip_forward=0" }]));
  }
  // Only when wgsite's drop-in turned it on: IPv6 forwarding the operator turned on later stays.
  if (journal.before.ip6Forward === false && created.has(sysctlPath(iface)) && facts.files[sysctlPath(iface)]?.includes("net.ipv6.conf.all.forwarding = 1")) {
    steps.push(step("forwarding6", "Turn IPv6 forwarding back off (it was off before wgsite)", [{ op: "run", sh: "sysctl -q -w net.ipv6.conf.all.forwarding=0" }]));
  }
  const keyFiles = [keyPath(iface), pskPath(iface)].filter((k) => created.has(k));
  if (!keepKeys && keyFiles.length > 0) {
    steps.push(step("keys", `Remove the keys wgsite made (${keyFiles.join(", ")})`, [{ op: "remove", paths: keyFiles }]));
  }
  if (journal.before.unitEnabled || journal.before.unitActive) {
    steps.push(
      step("unit-restore", `Restore ${unitName} as it was before wgsite`, [
        ...(journal.before.unitEnabled ? [{ op: "unit", init, action: "enable", iface } as const] : []),
        ...(journal.before.unitActive ? [{ op: "unit", init, action: "start", iface } as const] : []),
      ]),
    );
  }
  steps.push(step("journal", `Remove the journal ${journalPath(iface)}`, [{ op: "remove", paths: [journalPath(iface)] }, { op: "run", sh: "rmdir /var/lib/wgsite 2>/dev/null", mayFail: true }]));
  return { steps };
}
