import { isAddressLiteral } from "../core/address.ts";
import type { PathMtuProbe } from "../core/host-facts.ts";
import { quote } from "../core/shell.ts";
import { defineFact } from "./fact.ts";

/** Sizes probed at once per round; three rounds narrow 576..1500 down to the byte. */
const PER_ROUND = 16;
const MAX_ROUNDS = 4;

/**
 * The path MTU to the peer's endpoint, found with don't-fragment pings: rounds of parallel sizes
 * between the largest that answered and the smallest that did not, each lost size costing 0.4 s,
 * so about a second in all. Echo probes find a hop that drops big packets silently, which
 * tracepath (waiting for ICMP "fragmentation needed") would not. Prints `target ADDR LINK_MTU`,
 * then `ok|no SIZE` (IP packet sizes) and `link DEV MTU` for each interface.
 */
function script(host: string): string {
  const target = isAddressLiteral(host) ? `t=${quote(host)}` : `t=$(getent ahosts ${quote(host)} | awk 'NR==1{print $1}')`;
  return [
    "(",
    `for d in /sys/class/net/*; do echo "link \${d##*/} $(cat $d/mtu)"; done`,
    target,
    `[ -n "$t" ] || exit 0`,
    `dev=$(ip route get "$t" 2>/dev/null | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n1); m=$(cat /sys/class/net/$dev/mtu 2>/dev/null) || exit 0`,
    // ICMP echo + IP header: 28 bytes over IPv4, 48 over IPv6.
    `case $t in *:*) o=48; lo=1280;; *) o=28; lo=576;; esac; echo "target $t $m"`,
    `probe() { for s in "$@"; do ( if ping -n -q -c2 -i0.05 -W0.4 -M do -s $((s - o)) "$t" >/dev/null 2>&1; then echo "ok $s"; else echo "no $s"; fi ) & done; wait; }`,
    `sizes() { i=0; while [ $i -lt ${PER_ROUND} ]; do echo $(( $1 + ($2 - $1) * i / ${PER_ROUND - 1} )); i=$((i + 1)); done | uniq; }`,
    `hi=$m; n=0; while [ $n -lt ${MAX_ROUNDS} ] && [ $hi -ge $lo ]; do n=$((n + 1))`,
    `  r=$(probe $(sizes $lo $hi)); echo "$r"`,
    `  best=$(echo "$r" | awk '$1=="ok"{print $2}' | sort -n | tail -n1); [ -n "$best" ] || break`,
    `  up=$(echo "$r" | awk -v b=$best '$1=="no" && $2>b {print $2}' | sort -n | head -n1); [ -n "$up" ] || break`,
    `  lo=$((best + 1)); hi=$((up - 1))`,
    "done",
    ")",
  ].join("\n");
}

export function parsePathMtu(out: string): PathMtuProbe | undefined {
  const linkMtus: Record<string, number> = {};
  for (const m of out.matchAll(/^link (\S+) (\d+)$/gm)) linkMtus[m[1]!] = Number(m[2]);
  const head = /^target (\S+) (\d+)$/m.exec(out);
  if (!head) return undefined;
  const ok = [...out.matchAll(/^ok (\d+)$/gm)].map((m) => Number(m[1]));
  return {
    target: head[1]!,
    family: head[1]!.includes(":") ? "ipv6" : "ipv4",
    linkMtu: Number(head[2]),
    ...(ok.length > 0 ? { pathMtu: Math.max(...ok) } : {}),
    linkMtus,
  };
}

export const pathMtu = defineFact({
  id: "path-mtu",
  command: (ctx) => (ctx.peerHost ? script(ctx.peerHost) : "true"),
  parse: parsePathMtu,
});
