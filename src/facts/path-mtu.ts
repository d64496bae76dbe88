import { isAddressLiteral } from "../core/address.ts";
import type { PathMtuFacts, PathMtuProbe } from "../core/host-facts.ts";
import { quote } from "../core/shell.ts";
import { defineFact } from "./fact.ts";

/** Sizes probed at once per round; three rounds narrow 576..1500 down to the byte. */
const PER_ROUND = 16;
const MAX_ROUNDS = 4;

/**
 * The path MTU to each peer's endpoint, found with don't-fragment pings: first the route's whole
 * link MTU (one echo, a round trip on a clean path); only when that is lost, rounds of parallel
 * sizes between the largest that answered and the smallest that did not, each lost size costing
 * 0.4 s, so about a second on a narrow path. The peers are probed side by side. Echo probes find a hop that drops big packets silently, which tracepath (waiting
 * for ICMP "fragmentation needed") would not. Prints `link DEV MTU` for each interface, then per
 * peer `target HOST ADDR LINK_MTU` and `ok|no HOST SIZE` (IP packet sizes).
 */
function script(hosts: readonly string[]): string {
  return [
    "(",
    `for d in /sys/class/net/*; do echo "link \${d##*/} $(cat $d/mtu)"; done`,
    "probe_peer() {",
    "  h=$1 t=$2",
    `  [ -n "$t" ] || return 0`,
    `  dev=$(ip route get "$t" 2>/dev/null | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n1); m=$(cat /sys/class/net/$dev/mtu 2>/dev/null) || return 0`,
    // ICMP echo + IP header: 28 bytes over IPv4, 48 over IPv6.
    `  case $t in *:*) o=48; lo=1280;; *) o=28; lo=576;; esac; echo "target $h $t $m"`,
    // One echo: a clean path answers in a round trip; a lost one is asked again by the search, whose sizes include it.
    `  if ping -n -q -c1 -W0.4 -M do -s $((m - o)) "$t" >/dev/null 2>&1; then echo "ok $h $m"; return 0; fi`,
    `  probe() { for s in "$@"; do ( if ping -n -q -c2 -i0.05 -W0.4 -M do -s $((s - o)) "$t" >/dev/null 2>&1; then echo "ok $h $s"; else echo "no $h $s"; fi ) & done; wait; }`,
    `  sizes() { i=0; while [ $i -lt ${PER_ROUND} ]; do echo $(( $1 + ($2 - $1) * i / ${PER_ROUND - 1} )); i=$((i + 1)); done | uniq; }`,
    `  hi=$m; n=0; while [ $n -lt ${MAX_ROUNDS} ] && [ $hi -ge $lo ]; do n=$((n + 1))`,
    `    r=$(probe $(sizes $lo $hi)); echo "$r"`,
    `    best=$(echo "$r" | awk '$1=="ok"{print $3}' | sort -n | tail -n1); [ -n "$best" ] || break`,
    `    up=$(echo "$r" | awk -v b=$best '$1=="no" && $3>b {print $3}' | sort -n | head -n1); [ -n "$up" ] || break`,
    `    lo=$((best + 1)); hi=$((up - 1))`,
    "  done",
    "}",
    `${hosts.map((h) => `probe_peer ${quote(h)} ${isAddressLiteral(h) ? quote(h) : `"$(getent ahosts ${quote(h)} | awk 'NR==1{print $1}')"`} &`).join(" ")} wait`,
    ")",
  ].join("\n");
}

export function parsePathMtu(out: string): PathMtuFacts | undefined {
  const linkMtus: Record<string, number> = {};
  for (const m of out.matchAll(/^link (\S+) (\d+)$/gm)) linkMtus[m[1]!] = Number(m[2]);
  const probes: Record<string, PathMtuProbe> = {};
  for (const head of out.matchAll(/^target (\S+) (\S+) (\d+)$/gm)) {
    const [, host, target, link] = head;
    if (!isAddressLiteral(target!)) continue;
    const ok = [...out.matchAll(/^ok (\S+) (\d+)$/gm)].filter((m) => m[1] === host).map((m) => Number(m[2]));
    probes[host!] = { target: target!, family: target!.includes(":") ? "ipv6" : "ipv4", linkMtu: Number(link), ...(ok.length > 0 ? { pathMtu: Math.max(...ok) } : {}) };
  }
  return Object.keys(linkMtus).length === 0 && Object.keys(probes).length === 0 ? undefined : { probes, linkMtus };
}

export const pathMtu = defineFact({
  id: "path-mtu",
  command: (ctx) => (ctx.peerHosts && ctx.peerHosts.length > 0 ? script(ctx.peerHosts) : "true"),
  parse: parsePathMtu,
});
