/** One chain of `nft list ruleset`; base chains carry their hook, type and policy. */
export type NftChain = {
  readonly family: string;
  readonly table: string;
  readonly name: string;
  readonly type?: string;
  readonly hook?: string;
  readonly priority?: string;
  readonly policy?: "accept" | "drop";
  /** Rule lines as printed, in order. */
  readonly rules: readonly string[];
};

export type NftRuleset = { readonly chains: readonly NftChain[] };

const opens = (line: string) => (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;

/** Reads tables and chains by brace depth; sets, maps and flowtables are skipped. */
export function parseNftRuleset(text: string): NftRuleset {
  const chains: NftChain[] = [];
  let table: { family: string; name: string } | undefined;
  let chain: { family: string; table: string; name: string; type?: string; hook?: string; priority?: string; policy?: "accept" | "drop"; rules: string[] } | undefined;
  let depth = 0;
  let skipUntil = -1;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const delta = opens(line);
    if (skipUntil >= 0) {
      depth += delta;
      if (depth <= skipUntil) skipUntil = -1;
      continue;
    }
    if (depth === 0) {
      const m = /^table (\S+) (\S+) \{$/.exec(line);
      if (m) table = { family: m[1]!, name: m[2]! };
      depth += delta;
      continue;
    }
    if (depth === 1 && table) {
      const m = /^chain (\S+) \{$/.exec(line);
      if (m) chain = { family: table.family, table: table.name, name: m[1]!, rules: [] };
      else if (delta > 0) skipUntil = depth;
      depth += delta;
      continue;
    }
    if (depth === 2 && chain) {
      if (line === "}") {
        chains.push(chain);
        chain = undefined;
        depth -= 1;
        continue;
      }
      const base = /^type (\S+) hook (\S+)(?: device \S+)? priority ([^;]+);(?:\s*policy (accept|drop);)?/.exec(line);
      if (base) {
        chain.type = base[1];
        chain.hook = base[2];
        chain.priority = base[3]!.trim();
        if (base[4]) chain.policy = base[4] as "accept" | "drop";
      } else if (delta > 0) {
        // A rule spanning lines (a long anonymous set): keep its first line, skip the rest.
        chain.rules.push(line);
        skipUntil = depth;
      } else {
        chain.rules.push(line);
      }
      depth += delta;
      continue;
    }
    depth += delta;
    if (depth === 0) table = undefined;
  }
  return { chains };
}
