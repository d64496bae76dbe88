import type { Step } from "./plan-types.ts";

/**
 * restrictPort names every peer's address in an INPUT accept (firewall.ts). With more than two
 * sites, adding or removing a site changes those accepts on every other gateway: lines of
 * [Interface], which wg-quick only runs when the interface comes up. Each accept is an idempotent
 * pair (`-C || -I` up, `-D || true` down), inserted above the port's DROP, so when they are the only
 * difference the gateway takes them live: the accepts of sites gone deleted, the new ones inserted,
 * the peers reloaded; no restart.
 */
const ACCEPT_UP = /^PostUp = (ip6?tables) -w -C INPUT -p udp --dport \d+ -s \S+ -m comment --comment wgsite:%i -j ACCEPT 2>\/dev\/null \|\| \1 -w -I INPUT -p udp --dport \d+ -s \S+ -m comment --comment wgsite:%i -j ACCEPT( \|\| \[ ! -e \/proc\/net\/if_inet6 \])?$/;
const ACCEPT_DOWN = /^PreDown = ip6?tables -w -D INPUT -p udp --dport \d+ -s \S+ -m comment --comment wgsite:%i -j ACCEPT 2>\/dev\/null \|\| true$/;

const isAccept = (line: string) => ACCEPT_UP.test(line) || ACCEPT_DOWN.test(line);

function interfaceLines(config: string): string[] {
  const out: string[] = [];
  for (const raw of config.split("\n")) {
    const line = raw.trim();
    if (/^\[peer\]$/i.test(line)) break;
    if (line !== "" && !line.startsWith("#")) out.push(line);
  }
  return out;
}

const command = (line: string) => line.replace(/^(PostUp|PreDown) = /, "");

export type LiveRules = { readonly run: readonly string[]; readonly undo: readonly string[]; readonly added: number; readonly removed: number };

/** The accepts to change live, or undefined when [Interface] differs in anything else (a restart). */
export function liveRuleChange(before: string | undefined | null, after: string): LiveRules | undefined {
  if (before === undefined || before === null) return undefined;
  const [a, b] = [interfaceLines(before), interfaceLines(after)];
  if (a.filter((l) => !isAccept(l)).join("\n") !== b.filter((l) => !isAccept(l)).join("\n")) return undefined;
  const ups = (lines: string[]) => lines.filter((l) => ACCEPT_UP.test(l));
  const downs = (lines: string[]) => lines.filter((l) => ACCEPT_DOWN.test(l));
  const added = ups(b).filter((l) => !ups(a).includes(l));
  const gone = downs(a).filter((l) => !downs(b).includes(l));
  if (added.length === 0 && gone.length === 0) return undefined;
  const undoAdded = downs(b).filter((l) => !downs(a).includes(l));
  const undoGone = ups(a).filter((l) => !ups(b).includes(l));
  return { run: [...gone, ...added].map(command), undo: [...undoAdded, ...undoGone].map(command), added: added.length, removed: gone.length };
}

/** The step that applies them, after the peers' live reload. */
export function liveRulesStep(rules: LiveRules, iface: string): Step {
  const sh = (lines: readonly string[]) => lines.map((l) => `{ ${l.replaceAll("%i", iface)}; }`).join(" && ") || "true";
  const parts = [rules.added > 0 ? `accept ${rules.added} new peer address${rules.added === 1 ? "" : "es"}` : "", rules.removed > 0 ? `drop the accept of ${rules.removed} former peer${rules.removed === 1 ? "" : "s"}` : ""].filter(Boolean);
  return {
    id: "restrict",
    phase: "configure",
    title: `Update restrictPort's INPUT rules live: ${parts.join(", ")}`,
    reason: "only the peers' addresses in the port's accept rules changed: they are changed in place, above the port's DROP, without taking the interface down",
    ops: [{ op: "run", sh: sh(rules.run) }],
    undo: [{ op: "run", sh: sh(rules.undo) }],
  };
}
