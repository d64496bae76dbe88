/** A parsed `iptables-save`: policies and rules per table and chain. */
export type IptablesDump = {
  readonly tables: Record<string, { readonly policies: Record<string, string>; readonly rules: readonly { chain: string; args: string[]; line: string }[] }>;
};

/** Splits a rule line into words, keeping quoted comments whole. */
export function splitRule(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] !== undefined ? m[1] : m[2]!);
  return words;
}

export function parseIptablesSave(text: string): IptablesDump {
  const tables: Record<string, { policies: Record<string, string>; rules: { chain: string; args: string[]; line: string }[] }> = {};
  let current: (typeof tables)[string] | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("*")) {
      current = tables[line.slice(1)] ??= { policies: {}, rules: [] };
    } else if (line.startsWith(":") && current) {
      const [chain, policy] = line.slice(1).split(/\s+/);
      current.policies[chain!] = policy!;
    } else if (line.startsWith("-A ") && current) {
      const args = splitRule(line);
      current.rules.push({ chain: args[1]!, args: args.slice(2), line });
    }
  }
  return { tables };
}

/** The value of an option in a rule, with whether it was negated (`! -s x`). */
export function option(args: readonly string[], ...names: string[]): { value: string; negated: boolean } | undefined {
  for (let i = 0; i < args.length; i++) {
    if (names.includes(args[i]!)) return { value: args[i + 1] ?? "", negated: args[i - 1] === "!" };
  }
  return undefined;
}
