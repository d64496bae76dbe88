/**
 * A gateway's state as wgsite's convergence contract sees it, read from inside the gateway and
 * normalized so that two gateways that a fresh apply of the same site file would make compare equal:
 * no timestamps, run ids, counters, handles, link-local addresses or keys.
 *
 * Secrets never leave the gateway: key and PSK files are read as "exists + sha256" only (computed
 * inside the gateway), every other text has base64 keys replaced by <key> before it is printed, and
 * `wg show` is cut to the fields without keys. Packages are not part of the state: wgsite leaves them
 * installed on purpose, so a gateway after `remove` equals one before the first apply.
 *
 * Works with the lab only through lab.inGateway(), never with wgsite's own code, so it holds any
 * version of wgsite to the same contract.
 */
import { isDeepStrictEqual } from "node:util";
import type { Lab, Site } from "./lab.ts";

export type GatewayState = {
  /** /etc/wireguard: name -> mode and content (keys replaced), or mode and sha256 for key/PSK files. */
  readonly wireguard: Readonly<Record<string, { mode: string; content?: string; sha256?: string }>>;
  /** /etc/sysctl.d/*wgsite*: name -> content. */
  readonly sysctlFiles: Readonly<Record<string, string>>;
  /** /var/lib/wgsite: name -> content (JSON journals parsed, run ids and timestamps dropped). */
  readonly journal: Readonly<Record<string, unknown>>;
  /** wgsite's rules by their mark: iptables-save / ip6tables-save lines, nft lines with table and chain. */
  readonly firewall: { readonly iptables: readonly string[]; readonly ip6tables: readonly string[]; readonly nft: readonly string[] };
  /** net.ipv4.ip_forward and every rp_filter (all, default, each interface). */
  readonly sysctls: Readonly<Record<string, string>>;
  /** wg-quick@* and wgsite* units: enabled (a wants/ link) and their state when loaded and not inactive/dead. */
  readonly units: { readonly enabled: readonly string[]; readonly loaded: readonly string[] };
  /** Each WireGuard interface: listen port, mtu, addresses (no link-local), peers (no keys), routes. */
  readonly interfaces: Readonly<Record<string, WgInterface>>;
};

export type WgInterface = {
  readonly listenPort: string;
  readonly fwmark: string;
  readonly mtu: string;
  readonly addresses: readonly string[];
  readonly peers: readonly { endpoint: string; allowedIps: string; keepalive: string; presharedKey: boolean }[];
  readonly routes: readonly string[];
};

const KEY_FILE = /\.(key|psk)$/;

// Runs as root inside the gateway; everything it prints is already free of secrets.
export const STATE_SCRIPT = String.raw`
nokeys() { sed -E 's#[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=#<key>#g'; }
echo "@@wireguard"
for f in /etc/wireguard/* /etc/wireguard/.[!.]*; do
  [ -f "$f" ] || continue
  n=$(basename "$f"); m=$(stat -c %a "$f")
  case "$n" in
    *.key|*.psk) echo "@file $n $m $(sha256sum < "$f" | cut -d' ' -f1)" ;;
    *) echo "@file $n $m"; nokeys < "$f"; echo "@end" ;;
  esac
done
echo "@@sysctl-files"
for f in /etc/sysctl.d/*wgsite*; do [ -f "$f" ] || continue; echo "@file $(basename "$f")"; cat "$f"; echo "@end"; done
echo "@@journal"
for f in /var/lib/wgsite/* /var/lib/wgsite/.[!.]*; do [ -f "$f" ] || continue; echo "@file $(basename "$f")"; nokeys < "$f"; echo "@end"; done
echo "@@iptables"
command -v iptables-save >/dev/null && iptables-save 2>/dev/null | grep 'wgsite:'
echo "@@ip6tables"
command -v ip6tables-save >/dev/null && ip6tables-save 2>/dev/null | grep 'wgsite:'
echo "@@nft"
command -v nft >/dev/null && nft list ruleset 2>/dev/null
echo "@@sysctls"
echo "net.ipv4.ip_forward=$(sysctl -n net.ipv4.ip_forward)"
for f in /proc/sys/net/ipv4/conf/*/rp_filter; do i=$(basename "$(dirname "$f")"); [ "$i" = lo ] || echo "net.ipv4.conf.$i.rp_filter=$(cat "$f")"; done
echo "@@enabled"
for l in /etc/systemd/system/*.wants/wg-quick@* /etc/systemd/system/*.wants/wgsite*; do [ -e "$l" ] || [ -L "$l" ] && echo "$(basename "$(dirname "$l")")/$(basename "$l")"; done
echo "@@loaded"
systemctl list-units --all --plain --no-legend 'wg-quick@*' 'wgsite*' 2>/dev/null | awk '!($3 == "inactive" && $4 == "dead") {print $1, $2, $3, $4}'
echo "@@wg"
if command -v wg >/dev/null; then
  wg show all dump | awk -F'\t' 'NF == 5 {print "@if", $1, $4, $5} NF == 9 {print "@peer", $1, $4, $5, $9, ($3 == "(none)" ? "nopsk" : "psk")}'
  for i in $(wg show interfaces); do
    echo "@mtu $i $(cat /sys/class/net/$i/mtu)"
    ip -o addr show dev "$i" | awk '{print "@addr", $2, $3, $4}'
    { ip -4 route show table all dev "$i"; ip -6 route show table all dev "$i"; } | grep -v -e fe80: -e ff00: | sed "s/^/@route $i /"
  done
fi
echo "@@end"
`;

/** Reads and normalizes one gateway's state. Throws when the gateway cannot be read. */
export async function gatewayState(lab: Lab, site: Site): Promise<GatewayState> {
  const r = await lab.inGateway(site, STATE_SCRIPT, { timeoutMs: 30_000 });
  if (!r.stdout.includes("@@end")) throw new Error(`reading ${site}'s state failed (${r.code}): ${r.stderr}`);
  return parseState(r.stdout);
}

/** Both gateways, alpha then beta. */
export async function labState(lab: Lab): Promise<{ alpha: GatewayState; beta: GatewayState }> {
  const [alpha, beta] = await Promise.all([gatewayState(lab, "alpha"), gatewayState(lab, "beta")]);
  return { alpha, beta };
}

/**
 * The same state with the key files' hashes dropped (their existence and mode stay): for comparing
 * two labs, whose keys differ by design. Within one lab, compare the full state.
 */
export function keysAside(state: GatewayState): GatewayState {
  const wireguard = Object.fromEntries(Object.entries(state.wireguard).map(([n, f]) => [n, f.sha256 ? { mode: f.mode, sha256: "«sha256»" } : f]));
  return { ...state, wireguard };
}

export function labKeysAside(s: { alpha: GatewayState; beta: GatewayState }) {
  return { alpha: keysAside(s.alpha), beta: keysAside(s.beta) };
}

// ---------------------------------------------------------------------------------------------

/** wgsite's run ids (20261203T083421Z) and ISO timestamps. */
const RUN_ID = /\d{8}T\d{6}Z/g;
const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;
const VOLATILE_KEYS = new Set(["firstRun", "lastRun", "runId", "run", "at", "time", "timestamp", "startedAt", "updatedAt"]);

function scrub(text: string): string {
  return text.replace(RUN_ID, "«run»").replace(ISO_TIME, "«time»");
}

/** A journal with the fields that say when it was written dropped, and run ids in names masked. */
export function normalizeJournal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeJournal);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).filter(([k]) => !VOLATILE_KEYS.has(k)).map(([k, v]) => [k, normalizeJournal(v)]));
  return typeof value === "string" ? scrub(value) : value;
}

type Sections = Record<string, string[]>;

function sections(out: string): Sections {
  const s: Sections = {};
  let cur = "";
  for (const line of out.split("\n")) {
    const m = /^@@(\S+)$/.exec(line);
    if (m) s[(cur = m[1]!)] = [];
    else if (cur) s[cur]!.push(line);
  }
  return s;
}

/** "@file NAME [MODE [SHA]]" headers, each followed by content up to "@end" unless it has a hash. */
function files(lines: string[]): { name: string; mode?: string; sha256?: string; content?: string }[] {
  const out: { name: string; mode?: string; sha256?: string; content?: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^@file (\S+)(?: (\d+))?(?: ([0-9a-f]{64}))?$/.exec(lines[i]!);
    if (!m) continue;
    const [, name, mode, sha256] = m;
    if (sha256 || (name && KEY_FILE.test(name))) {
      out.push({ name: scrub(name!), mode, sha256 });
      continue;
    }
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "@end"; i++) body.push(lines[i]!);
    out.push({ name: scrub(name!), mode, content: body.join("\n") });
  }
  return out;
}

/** nft rules wgsite owns: whole `wgsite_*` tables, and rules marked "wgsite:" anywhere, with their table and chain. */
export function nftOwned(ruleset: string[]): string[] {
  const out: string[] = [];
  let table = "";
  let chain = "";
  const owned = () => table.split(" ")[1]?.startsWith("wgsite_") ?? false;
  for (const raw of ruleset) {
    const line = raw.trim().replace(/ counter packets \d+ bytes \d+/g, " counter").replace(/ # handle \d+$/, "");
    let m: RegExpExecArray | null;
    if ((m = /^table (\S+ \S+) \{$/.exec(line))) {
      [table, chain] = [m[1]!, ""];
      if (owned()) out.push(`table ${table}`);
    } else if ((m = /^chain (\S+) \{$/.exec(line))) chain = m[1]!;
    else if (line === "}") chain ? (chain = "") : (table = "");
    else if (line && (owned() || line.includes("wgsite:"))) out.push(`${table}/${chain}: ${line}`);
  }
  return [...new Set(out)];
}

export function parseState(out: string): GatewayState {
  const s = sections(out);
  const wireguard: Record<string, { mode: string; content?: string; sha256?: string }> = {};
  for (const f of files(s.wireguard ?? [])) {
    // Two backups whose names differ only by run id must both count.
    let name = f.name;
    for (let n = 2; name in wireguard; n++) name = `${f.name} (${n})`;
    wireguard[name] = f.sha256 ? { mode: f.mode!, sha256: f.sha256 } : { mode: f.mode!, content: scrub(f.content ?? "") };
  }
  const sysctlFiles: Record<string, string> = {};
  for (const f of files(s["sysctl-files"] ?? [])) sysctlFiles[f.name] = scrub(f.content ?? "");
  const journal: Record<string, unknown> = {};
  for (const f of files(s.journal ?? [])) {
    let value: unknown = f.content ?? "";
    try {
      value = JSON.parse(f.content ?? "");
    } catch {}
    journal[f.name] = normalizeJournal(value);
  }
  // Rule order is kept: it decides what a packet meets first.
  const rules = (k: string) => (s[k] ?? []).filter((l) => l.includes("wgsite:")).map((l) => l.replace(/^\[\d+:\d+\] /, ""));
  const sysctls: Record<string, string> = {};
  for (const l of s.sysctls ?? []) {
    const i = l.indexOf("=");
    if (i > 0) sysctls[l.slice(0, i)] = l.slice(i + 1).trim();
  }
  const nonEmpty = (k: string) => (s[k] ?? []).map((l) => l.trim()).filter(Boolean).sort();
  const interfaces: Record<string, WgInterface & { peers: WgInterface["peers"][number][]; addresses: string[]; routes: string[] }> = {};
  const iface = (n: string) => (interfaces[n] ??= { listenPort: "", fwmark: "", mtu: "", addresses: [], peers: [], routes: [] });
  for (const l of s.wg ?? []) {
    const f = l.split(" ");
    if (f[0] === "@if") Object.assign(iface(f[1]!), { listenPort: f[2], fwmark: f[3] });
    // The running endpoint roams to the address the peer answers from (WireGuard's design), which differs
    // between labs with the same file when the peer has two addresses; the config's Endpoint is compared with the files.
    else if (f[0] === "@peer") iface(f[1]!).peers.push({ endpoint: f[2]!.replace(/^.*:/, "*:"), allowedIps: f[3]!.split(",").sort().join(","), keepalive: f[4]!, presharedKey: f[5] === "psk" });
    else if (f[0] === "@mtu") Object.assign(iface(f[1]!), { mtu: f[2] });
    else if (f[0] === "@addr" && !f[3]!.startsWith("fe80:")) iface(f[1]!).addresses.push(`${f[2]} ${f[3]}`);
    else if (f[0] === "@route") iface(f[1]!).routes.push(f.slice(2).join(" ").trim());
  }
  for (const i of Object.values(interfaces)) {
    i.addresses.sort();
    i.routes.sort();
    i.peers.sort((a, b) => a.allowedIps.localeCompare(b.allowedIps));
  }
  return {
    wireguard,
    sysctlFiles,
    journal,
    firewall: { iptables: rules("iptables"), ip6tables: rules("ip6tables"), nft: nftOwned(s.nft ?? []) },
    sysctls,
    units: { enabled: nonEmpty("enabled"), loaded: nonEmpty("loaded") },
    interfaces,
  };
}

/**
 * Where two states differ, one line per difference ("+ path: value" only in actual, "- path: value"
 * only in expected), with lists and a file's lines compared as sets: short enough to read in a
 * failed test. Only a reading aid: assertSameState decides equality on the values themselves.
 */
export function stateDiff(actual: unknown, expected: unknown): string[] {
  const flat = (v: unknown, at: string, out: Set<string>) => {
    if (Array.isArray(v)) {
      if (v.length === 0) out.add(`${at}: []`);
      for (const x of v) flat(x, `${at}[]`, out);
    } else if (v && typeof v === "object") {
      const entries = Object.entries(v);
      if (entries.length === 0) out.add(`${at}: {}`);
      for (const [k, x] of entries) flat(x, at ? `${at}.${k}` : k, out);
    } else if (typeof v === "string" && v.includes("\n")) for (const line of v.split("\n")) out.add(`${at} | ${line}`);
    else out.add(`${at}: ${JSON.stringify(v)}`);
    return out;
  };
  const a = flat(actual, "", new Set());
  const e = flat(expected, "", new Set());
  return [...[...a].filter((l) => !e.has(l)).map((l) => `+ ${l}`), ...[...e].filter((l) => !a.has(l)).map((l) => `- ${l}`)];
}

/** assert.deepEqual with the difference as stateDiff lines. */
export function assertSameState(actual: unknown, expected: unknown, what: string): void {
  if (isDeepStrictEqual(actual, expected)) return;
  const diff = stateDiff(actual, expected);
  const shown = diff.length > 0 ? diff.join("\n") : `(the same lines in another order)\n+ ${JSON.stringify(actual)}\n- ${JSON.stringify(expected)}`;
  throw new Error(`${what} differs (+ this lab, - expected):\n${shown}`);
}
