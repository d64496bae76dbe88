/** The summary of one `ping` run (iputils or busybox), per-packet lines ignored. */
export type PingResult = {
  readonly sent: number;
  readonly received: number;
  /** Percent, 0..100. */
  readonly lossPct: number;
  readonly rtt?: { readonly min: number; readonly avg: number; readonly max: number; readonly mdev?: number };
  /** A local error such as "message too long, mtu=1420" or "Network is unreachable". */
  readonly error?: string;
};

export function parsePing(text: string): PingResult {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(text);
  const sent = counts ? Number(counts[1]) : 0;
  const received = counts ? Number(counts[2]) : 0;
  const rtt = /(?:rtt|round-trip) min\/avg\/max(?:\/mdev)? = ([\d.]+)\/([\d.]+)\/([\d.]+)(?:\/([\d.]+))?/.exec(text);
  const error = /^ping: (.+)$/m.exec(text)?.[1]?.trim();
  return {
    sent,
    received,
    lossPct: sent === 0 ? 100 : Math.round(((sent - received) / sent) * 1000) / 10,
    ...(rtt ? { rtt: { min: Number(rtt[1]), avg: Number(rtt[2]), max: Number(rtt[3]), ...(rtt[4] ? { mdev: Number(rtt[4]) } : {}) } } : {}),
    ...(error ? { error } : {}),
  };
}

/** The largest packet that crossed the tunnel with don't-fragment set, from `ok SIZE` / `no SIZE` lines. */
export type PathMtu = {
  /** MTU of the wg interface when probed. */
  readonly interfaceMtu: number;
  /** Largest IP packet (payload + 28) that got an answer; undefined when none did. */
  readonly pathMtu?: number;
  /** Smallest IP packet above pathMtu that got none (the search's upper bound). */
  readonly firstLost?: number;
};

/** ICMP echo + IPv4 headers: `ping -s SIZE` sends SIZE + 28 bytes. */
export const PING_OVERHEAD = 28;

export function parsePathMtu(text: string): PathMtu | undefined {
  const mtu = /^mtu (\d+)$/m.exec(text);
  if (!mtu) return undefined;
  const results = [...text.matchAll(/^(ok|no) (\d+)$/gm)].map((m) => ({ ok: m[1] === "ok", size: Number(m[2]) + PING_OVERHEAD }));
  const ok = results.filter((r) => r.ok).map((r) => r.size);
  const best = ok.length > 0 ? Math.max(...ok) : undefined;
  const lost = results.filter((r) => !r.ok && (best === undefined || r.size > best)).map((r) => r.size);
  return {
    interfaceMtu: Number(mtu[1]),
    ...(best === undefined ? {} : { pathMtu: best }),
    ...(lost.length > 0 ? { firstLost: Math.min(...lost) } : {}),
  };
}

/**
 * Shell that finds the path MTU to `target` in at most two rounds of parallel don't-fragment pings
 * (about one second each when sizes are lost): eight sizes from 1280 to the interface MTU, then eight
 * between the largest that answered and the smallest that did not. Prints `mtu N`, then `ok|no SIZE`.
 */
export function pathMtuScript(iface: string, target: string): string {
  // A subshell, so `exit` ends the probe and not the batched script around it.
  const body = [
    `m=$(cat /sys/class/net/${iface}/mtu 2>/dev/null) || exit 0; echo "mtu $m"`,
    `probe() { for s in "$@"; do ( if ping -n -q -c2 -i0.05 -W1 -M do -s $s ${target} >/dev/null 2>&1; then echo "ok $s"; else echo "no $s"; fi ) & done; wait; }`,
    `sizes() { i=0; while [ $i -le 7 ]; do echo $(( $1 + ($2 - $1) * i / 7 )); i=$((i + 1)); done | uniq; }`,
    `lo=$((1280 - ${PING_OVERHEAD})); hi=$((m - ${PING_OVERHEAD})); [ $hi -ge $lo ] || lo=$hi`,
    `r=$(probe $(sizes $lo $hi)); echo "$r"`,
    `best=$(echo "$r" | awk '$1=="ok"{print $2}' | sort -n | tail -n1)`,
    `[ -n "$best" ] && [ "$best" -lt $hi ] || exit 0`,
    `up=$(echo "$r" | awk -v b=$best '$1=="no" && $2>b {print $2}' | sort -n | head -n1)`,
    `[ -n "$up" ] && [ $((up - best)) -gt 1 ] && probe $(sizes $((best + 1)) $((up - 1)))`,
  ];
  return `(\n${body.join("\n")}\n)`;
}
