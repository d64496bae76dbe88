import type { HostFacts } from "./host-facts.ts";
import { isJournal, journalPath, type Journal } from "./journal.ts";
import type { Step } from "./plan-types.ts";
import { configPath, keyPath, sysctlPath } from "./plan.ts";
import { quote } from "./shell.ts";

/**
 * The steps that undo what the journal says wgsite did, and nothing else: files that existed
 * before wgsite come back from their first backup, files it created go, the unit returns to its
 * earlier state. Stopping the unit runs PreDown, which removes wgsite's firewall rules.
 */
export function removalSteps(iface: string, facts: HostFacts, keepKeys: boolean): { steps: Step[]; noop?: string } {
  if (!isJournal(facts.journal)) {
    return { steps: [], noop: `no wgsite journal for ${iface} (${journalPath(iface)}): nothing of wgsite's to remove` };
  }
  const journal: Journal = facts.journal;
  const unit = `wg-quick@${iface}`;
  const created = new Set(journal.created);
  const steps: Step[] = [];
  steps.push({
    id: "unit",
    title: journal.before.unitEnabled ? `Stop ${unit} (it is restored after the config)` : `Stop and disable ${unit}`,
    check: `! systemctl is-active -q ${unit}`,
    change: `systemctl disable -q --now ${unit} 2>/dev/null; systemctl reset-failed ${unit} 2>/dev/null; ip link show ${quote(iface)} >/dev/null 2>&1 && wg-quick down ${quote(iface)}; true`,
    undo: "true",
  });
  // Stopping the unit ran PreDown; the journal's record removes the fixes even when it could not.
  if ((journal.fixes ?? []).length > 0) {
    const fixes = journal.fixes!;
    steps.push({ id: "fixes", title: `Remove wgsite's firewall and sysctl fixes (${fixes.map((f) => f.id).join(", ")})`, check: "false", change: fixes.map((f) => `{ ${f.undo}; }`).join("; "), undo: "true" });
  }
  const firstBackup = (path: string) => journal.backups.filter((b) => b.startsWith(`${path}.wgsite-backup-`)).sort()[0];
  const removeFiles: string[] = [];
  for (const path of [configPath(iface), `/etc/wireguard/${iface}.nft`, sysctlPath(iface)]) {
    const backup = firstBackup(path);
    if (created.has(path)) removeFiles.push(quote(path));
    else if (backup) removeFiles.push(`${quote(path)}; mv -f ${quote(backup)} ${quote(path)}`);
  }
  // The first backup of each file was moved back above; the later ones hold wgsite's own earlier versions.
  for (const backup of journal.backups) removeFiles.push(quote(backup));
  steps.push({ id: "files", title: "Remove wgsite's config files (restore what was there before)", check: "false", change: removeFiles.length ? removeFiles.map((f) => `rm -f ${f}`).join(" && ") : "true", undo: "true" });
  if (!journal.before.ipForward && created.has(sysctlPath(iface))) {
    steps.push({ id: "forwarding", title: "Turn IPv4 forwarding back off (it was off before wgsite)", check: "false", change: "sysctl -q -w net.ipv4.ip_forward=0", undo: "true" });
  }
  // Only when wgsite's drop-in turned it on: IPv6 forwarding the operator turned on later stays.
  if (journal.before.ip6Forward === false && created.has(sysctlPath(iface)) && facts.files[sysctlPath(iface)]?.includes("net.ipv6.conf.all.forwarding = 1")) {
    steps.push({ id: "forwarding6", title: "Turn IPv6 forwarding back off (it was off before wgsite)", check: "false", change: "sysctl -q -w net.ipv6.conf.all.forwarding=0", undo: "true" });
  }
  const keyFiles = [keyPath(iface), `/etc/wireguard/${iface}.psk`].filter((k) => created.has(k));
  if (!keepKeys && keyFiles.length > 0) {
    steps.push({ id: "keys", title: `Remove the keys wgsite made (${keyFiles.join(", ")})`, check: "false", change: `rm -f ${keyFiles.map(quote).join(" ")}`, undo: "true" });
  }
  if (journal.before.unitEnabled || journal.before.unitActive) {
    steps.push({
      id: "unit-restore",
      title: `Restore ${unit} as it was before wgsite`,
      check: "false",
      change: [journal.before.unitEnabled ? `systemctl enable -q ${unit}` : "", journal.before.unitActive ? `systemctl start ${unit}` : ""].filter(Boolean).join(" && "),
      undo: "true",
    });
  }
  steps.push({ id: "journal", title: `Remove the journal ${journalPath(iface)}`, check: "false", change: `rm -f ${journalPath(iface)}; rmdir /var/lib/wgsite 2>/dev/null; true`, undo: "true" });
  return { steps };
}
