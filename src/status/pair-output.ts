/**
 * More than two sites: one script probes the path to every other site, each probe framed by a
 * marker line naming that site, so one round trip per gateway carries them all.
 */
export const PAIR_MARK = "@@wgsite-pair";

export function pairMarker(site: string): string {
  return `echo "${PAIR_MARK} ${site}"`;
}

export const PAIRS_END = `echo "${PAIR_MARK} end"`;

/** The output of each pair's probe, by the other site's name. */
export function pairOutputs(output: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  for (const line of output.split("\n")) {
    if (line.startsWith(`${PAIR_MARK} `)) {
      if (current !== undefined) out.set(current, lines.join("\n"));
      current = line.slice(PAIR_MARK.length + 1);
      lines = [];
    } else if (current !== undefined) lines.push(line);
  }
  if (current !== undefined && current !== "end") out.set(current, lines.join("\n"));
  return out;
}
