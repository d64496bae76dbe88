import { cidrContains, parseCidr, type Cidr } from "../address.ts";
import type { IptablesDump } from "./iptables-save.ts";
import { splitRule } from "./iptables-save.ts";
import type { NftRuleset } from "./nft-ruleset.ts";

/**
 * Firewall rules of either backend in one shape, so one evaluator answers "what happens to traffic
 * from this LAN to that one": only the matches that decide that are understood (interfaces and
 * addresses); a rule with anything else (protocol, port, conntrack state) is `partial`.
 */
export type Match = { readonly field: "in" | "out" | "src" | "dst"; readonly negated: boolean; readonly values: readonly string[] };

export type Verdict =
  | { readonly kind: "accept" | "drop" | "return" | "none" }
  | { readonly kind: "jump" | "goto"; readonly chain: string }
  | { readonly kind: "nat"; readonly target: "MASQUERADE" | "SNAT" };

export type Rule = { readonly text: string; readonly matches: readonly Match[]; readonly partial: boolean; readonly verdict: Verdict };

export type Chain = { readonly name: string; readonly policy?: "accept" | "drop"; readonly rules: readonly Rule[] };

/** One table's chains and the base chains that traffic enters at a hook. */
export type RuleTable = {
  readonly backend: "iptables" | "nftables";
  readonly name: string;
  readonly chains: ReadonlyMap<string, Chain>;
  readonly entry: readonly string[];
};

/** A flow of traffic between two networks; an unknown interface makes interface matches undecided. */
export type Flow = { readonly in?: string; readonly out?: string; readonly src: Cidr; readonly dst: Cidr };

type Tri = "yes" | "no" | "maybe";

const IPT_TARGETS: Record<string, Verdict> = {
  ACCEPT: { kind: "accept" },
  DROP: { kind: "drop" },
  REJECT: { kind: "drop" },
  RETURN: { kind: "return" },
  MASQUERADE: { kind: "nat", target: "MASQUERADE" },
  SNAT: { kind: "nat", target: "SNAT" },
};

/** `-A CHAIN` arguments (after the chain name) as a Rule; `chains` names the table's own chains. */
export function iptablesRule(args: readonly string[], line: string, chains: ReadonlySet<string>): Rule {
  const matches: Match[] = [];
  let partial = false;
  let verdict: Verdict = { kind: "none" };
  const fields: Record<string, Match["field"]> = { "-i": "in", "--in-interface": "in", "-o": "out", "--out-interface": "out", "-s": "src", "--source": "src", "-d": "dst", "--destination": "dst" };
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const negated = args[i - 1] === "!";
    if (word === "!") continue;
    if (fields[word]) {
      matches.push({ field: fields[word]!, negated, values: (args[++i] ?? "").split(",") });
    } else if (word === "-m" && args[i + 1] === "comment") {
      i += 1;
    } else if (word === "--comment") {
      i += 1;
    } else if (word === "-j" || word === "-g") {
      const target = args[i + 1] ?? "";
      if (chains.has(target)) verdict = { kind: word === "-g" ? "goto" : "jump", chain: target };
      else verdict = IPT_TARGETS[target] ?? { kind: "none" };
      break;
    } else if (word === "-p" && (args[i + 1] === "all" || args[i + 1] === "0")) {
      i += 1;
    } else {
      partial = true;
    }
  }
  return { text: line, matches, partial, verdict };
}

/** Splits an nft rule into words, keeping quoted strings and `{ ... }` sets whole. */
function nftWords(rule: string): string[] {
  return rule.match(/"(?:[^"\\]|\\.)*"|\{[^}]*\}|!=|\S+/g) ?? [];
}

function nftValues(word: string): string[] {
  const inner = word.startsWith("{") ? word.slice(1, -1) : word;
  return inner.split(",").map((v) => v.trim().replace(/^"(.*)"$/, "$1")).filter(Boolean);
}

const NFT_FIELDS: Record<string, Match["field"]> = { iifname: "in", iif: "in", oifname: "out", oif: "out" };
const NFT_SKIP_ARGS = new Set(["prefix", "level", "flags", "group", "snaplen", "queue-threshold", "packets", "bytes"]);

export function nftRule(rule: string): Rule {
  const words = nftWords(rule);
  const matches: Match[] = [];
  let partial = false;
  let verdict: Verdict = { kind: "none" };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    let field: Match["field"] | undefined = NFT_FIELDS[word];
    if (!field && word === "ip" && (words[i + 1] === "saddr" || words[i + 1] === "daddr")) {
      field = words[i + 1] === "saddr" ? "src" : "dst";
      i += 1;
    }
    if (field) {
      const negated = words[i + 1] === "!=";
      if (negated) i += 1;
      const value = words[++i] ?? "";
      if (value === "" || value.startsWith("@") || value === ".") partial = true;
      else matches.push({ field, negated, values: nftValues(value) });
    } else if (word === "counter" || word === "log") {
      while (NFT_SKIP_ARGS.has(words[i + 1] ?? "")) i += 2;
    } else if (word === "comment") {
      i += 1;
    } else if (word === "accept" || word === "drop" || word === "return") {
      verdict = { kind: word };
      break;
    } else if (word === "reject") {
      verdict = { kind: "drop" };
      break;
    } else if (word === "jump" || word === "goto") {
      verdict = { kind: word, chain: words[i + 1] ?? "" };
      break;
    } else if (word === "masquerade" || word === "snat") {
      verdict = { kind: "nat", target: word === "snat" ? "SNAT" : "MASQUERADE" };
      break;
    } else if (word === "continue") {
      break;
    } else {
      partial = true;
    }
  }
  return { text: rule, matches, partial, verdict };
}

const IPTABLES_BUILTIN: Record<string, Record<string, string>> = {
  filter: { forward: "FORWARD" },
  nat: { postrouting: "POSTROUTING" },
};

/** The tables that see `hook` ("forward" in filter, "postrouting" in nat) in iptables and nftables. */
export function tablesAt(hook: "forward" | "postrouting", iptables: IptablesDump, nft: NftRuleset): RuleTable[] {
  const tables: RuleTable[] = [];
  const tableName = hook === "forward" ? "filter" : "nat";
  const ipt = iptables.tables[tableName];
  if (ipt) {
    const names = new Set([...Object.keys(ipt.policies), ...ipt.rules.map((r) => r.chain)]);
    const chains = new Map<string, Chain>();
    for (const name of names) {
      const policy = ipt.policies[name];
      chains.set(name, {
        name,
        ...(policy === "ACCEPT" || policy === "DROP" ? { policy: policy === "ACCEPT" ? "accept" : "drop" } : {}),
        rules: ipt.rules.filter((r) => r.chain === name).map((r) => iptablesRule(r.args, r.line, names)),
      } as Chain);
    }
    const entry = IPTABLES_BUILTIN[tableName]![hook]!;
    if (chains.has(entry)) tables.push({ backend: "iptables", name: tableName, chains, entry: [entry] });
  }
  // iptables-nft tables show up in both views; the iptables-save one is the readable one.
  const byTable = new Map<string, typeof nft.chains[number][]>();
  for (const c of nft.chains) {
    if (c.family !== "ip" && c.family !== "inet") continue;
    if (ipt && c.family === "ip" && iptables.tables[c.table]) continue;
    const key = `${c.family} ${c.table}`;
    byTable.set(key, [...(byTable.get(key) ?? []), c]);
  }
  for (const [key, list] of byTable) {
    const wanted = hook === "forward" ? "filter" : "nat";
    const entry = list.filter((c) => c.hook === hook && c.type === wanted).map((c) => c.name);
    if (entry.length === 0) continue;
    const chains = new Map<string, Chain>(list.map((c) => [c.name, { name: c.name, ...(c.policy ? { policy: c.policy } : {}), rules: c.rules.map(nftRule) }]));
    tables.push({ backend: "nftables", name: key, chains, entry });
  }
  return tables;
}

function cidrOf(text: string): Cidr | undefined {
  const r = parseCidr(text.includes("/") ? text : `${text}/32`);
  return r.ok ? r.cidr : undefined;
}

function contains(outer: Cidr, inner: Cidr): boolean {
  return outer.prefix <= inner.prefix && cidrContains(outer, inner.network);
}

function valueMatch(field: Match["field"], value: string, flow: Flow): Tri {
  if (field === "in" || field === "out") {
    const iface = flow[field];
    if (iface === undefined) return "maybe";
    const wildcard = value.endsWith("+") || value.endsWith("*");
    return (wildcard ? iface.startsWith(value.slice(0, -1)) : iface === value) ? "yes" : "no";
  }
  const net = cidrOf(value);
  const flowNet = field === "src" ? flow.src : flow.dst;
  if (!net) return "maybe";
  if (contains(net, flowNet)) return "yes";
  if (contains(flowNet, net)) return "maybe";
  return "no";
}

/** Whether a rule's understood matches cover the flow; a partial rule is never more than "maybe". */
export function matchRule(rule: Rule, flow: Flow): Tri {
  let result: Tri = rule.partial ? "maybe" : "yes";
  for (const m of rule.matches) {
    const each = m.values.map((v) => valueMatch(m.field, v, flow));
    let t: Tri = each.includes("yes") ? "yes" : each.every((e) => e === "no") ? "no" : "maybe";
    if (m.negated) t = t === "yes" ? "no" : t === "no" ? "yes" : "maybe";
    if (t === "no") return "no";
    if (t === "maybe") result = "maybe";
  }
  return result;
}

/** How a walk ended; "nat" is only returned by an `onRule` that looks for source NAT. */
export type Decision = { readonly verdict: "accept" | "drop" | "nat"; readonly rule?: Rule; readonly chain: string };

/**
 * Follows a flow through a chain: the first rule that surely matches and decides wins; jumps are
 * followed, a RETURN goes back; undefined means the chain ran out (the caller applies the policy).
 */
export function walkChain(table: RuleTable, name: string, flow: Flow, onRule?: (rule: Rule, match: Tri) => Decision | undefined, depth = 0): Decision | "return" | undefined {
  const chain = table.chains.get(name);
  if (!chain || depth > 16) return undefined;
  for (const rule of chain.rules) {
    const match = matchRule(rule, flow);
    const custom = onRule?.(rule, match);
    if (custom) return custom;
    if (match !== "yes") continue;
    const v = rule.verdict;
    if (v.kind === "accept" || v.kind === "drop") return { verdict: v.kind, rule, chain: name };
    if (v.kind === "return") return "return";
    if (v.kind === "jump" || v.kind === "goto") {
      const inner = walkChain(table, v.chain, flow, onRule, depth + 1);
      if (inner && inner !== "return") return inner;
      if (v.kind === "goto") return "return";
    }
  }
  return undefined;
}
