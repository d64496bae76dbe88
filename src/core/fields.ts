import { addressSpellingProblem, endpointAddressProblem, inetAton, networkOfPrefix, parseAddress, parseCidr, specialOverlap, type Cidr } from "./address.ts";
import { quoted, shown } from "./show-value.ts";
import { transferCapacity, transferPrefixFor } from "./topology.ts";

/**
 * One validator per field, shared by the site file and the wizard's inputs, so a value is judged
 * the same way wherever it is typed. Each returns the problem and its fix, or undefined when fine.
 */
export type FieldCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const article = (word: string) => `${/^[aeiou]/.test(word) ? "an" : "a"} ${word}`;
const ok = <T>(value: T): FieldCheck<T> => ({ ok: true, value });
const bad = <T>(message: string): FieldCheck<T> => ({ ok: false, message });

export function checkSiteName(text: string): FieldCheck<string> {
  if (/^[a-z][a-z0-9_-]{0,31}$/.test(text)) return ok(text);
  return bad(
    `${quoted(text)} is not a simple name; use lowercase letters, digits, '-' or '_', starting with a letter (it ends up in config comments and file names)`,
  );
}

export function checkLan(text: string): FieldCheck<Cidr> {
  const parsed = parseCidr(text.trim());
  if (!parsed.ok) return bad(parsed.suggestion ? `${parsed.reason}; use ${parsed.suggestion}` : `${parsed.reason}; write it as a network like 10.10.10.0/24`);
  if (parsed.cidr.prefix === 0) return bad(`${shown(text)} is every address: the tunnel would capture all traffic, including its own; name the site's real LAN, e.g. 10.10.10.0/24`);
  const special = specialOverlap(parsed.cidr);
  if (special) return bad(`${parsed.cidr.text} overlaps ${special}, which is never routed through a tunnel; name the site's real LAN, e.g. 10.10.10.0/24`);
  return ok(parsed.cidr);
}

/** The transfer net of `sites` gateways: a /31 (or /30) for two, one net with an address each for more. */
export function checkTransferNet(text: string, sites = 2): FieldCheck<Cidr> {
  const parsed = parseCidr(text.trim());
  if (!parsed.ok) return bad(parsed.suggestion ? `${parsed.reason}; use ${parsed.suggestion}` : `${parsed.reason}; use a /31 such as 10.10.9.0/31`);
  const { cidr } = parsed;
  // An IPv6 transfer net instead of the IPv4 one: judged as tunnel.network6 would be.
  if (cidr.family === "ipv6") return checkTransferNet6(text, sites);
  if (sites > 2) {
    const prefix = transferPrefixFor(sites);
    const wider = cidr.family === "ipv4" ? networkOfPrefix(`${cidr.network.toString()}/${prefix}`)!.text : `10.10.9.0/${prefix}`;
    if (cidr.family !== "ipv4" || transferCapacity(cidr) < sites) {
      return bad(
        `${shown(text)} ${cidr.family === "ipv4" ? `holds ${transferCapacity(cidr)} gateway address${transferCapacity(cidr) === 1 ? "" : "es"}` : "is not IPv4"}, and the file has ${sites} sites (one address each); use a /${prefix} or larger, e.g. ${wider}`,
      );
    }
  } else if (cidr.family !== "ipv4" || (cidr.prefix !== 31 && cidr.prefix !== 30)) {
    return bad(
      `${shown(text)} must be an IPv4 /31 or /30 (or an IPv6 /127): only the two gateways live on the transfer net; a /31 (RFC 3021) gives both addresses, a /30 is the fallback when a device mishandles /31`,
    );
  }
  const special = specialOverlap(cidr);
  if (special) return bad(`${cidr.text} overlaps ${special}, which is never routed through a tunnel; use a private /31 such as 10.10.9.0/31`);
  return ok(cidr);
}

/**
 * The IPv6 transfer net beside the IPv4 one: for two sites a /127 (RFC 6164: both addresses usable),
 * for more a prefix holding one address per gateway after the network's own (as IPv4's).
 */
export function checkTransferNet6(text: string, sites = 2): FieldCheck<Cidr> {
  const parsed = parseCidr(text.trim());
  if (!parsed.ok) return bad(parsed.suggestion ? `${parsed.reason}; use ${parsed.suggestion}` : `${parsed.reason}; use a /127 such as 2001:db8:9::/127`);
  const { cidr } = parsed;
  if (cidr.family !== "ipv6") return bad(`${shown(text)} is not IPv6; tunnel.network6 is the IPv6 transfer net beside tunnel.network, e.g. 2001:db8:9::/127`);
  if (sites === 2 && cidr.prefix !== 127) return bad(`${shown(text)} must be a /127 (RFC 6164): only the two gateways live on the transfer net, e.g. ${networkOfPrefix(`${cidr.network.toString()}/127`)!.text}`);
  if (sites > 2) {
    const prefix = transferPrefix6For(sites);
    if (cidr.prefix > prefix) return bad(`${shown(text)} holds too few addresses for ${sites} sites (one each after the network's own); use a /${prefix} or larger, e.g. ${networkOfPrefix(`${cidr.network.toString()}/${prefix}`)!.text}`);
  }
  const special = specialOverlap(cidr);
  if (special) return bad(`${cidr.text} overlaps ${special}, which is never routed through a tunnel; use a global or unique-local /127 such as 2001:db8:9::/127`);
  return ok(cidr);
}

/** The longest IPv6 prefix with an address per gateway after the network's own. */
function transferPrefix6For(count: number): number {
  let prefix = 127;
  while (2 ** (128 - prefix) - 1 < count) prefix--;
  return prefix;
}

export function checkPort(value: unknown): FieldCheck<number> {
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535) return ok(n);
  return bad(`${shown(value)} is not a port; use a number from 1 to 65535 (the reference uses 51000)`);
}

export function checkKeepalive(value: unknown): FieldCheck<number> {
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 65535) return ok(n);
  return bad(`${shown(value)} is not a keepalive; use seconds from 0 to 65535 (0 turns it off; 25 is usual behind NAT)`);
}

export function checkMtu(value: unknown): FieldCheck<number> {
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n === "number" && Number.isInteger(n) && n >= 1280 && n <= 9000) return ok(n);
  return bad(`${shown(value)} is not a usable MTU; use 1280 to 9000, or leave it out for wg-quick's automatic MTU (1420 on a 1500 link)`);
}

/** keys.maxAgeDays: status warns once the private keys are older than this (wgsite rotate makes new ones). */
export function checkMaxAgeDays(value: unknown): FieldCheck<number> {
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 3650) return ok(n);
  return bad(`${shown(value)} is not a number of days; use 1 to 3650 (e.g. 365), or leave keys out for no limit`);
}

/** Names `wg show`, `wg-quick` or `ip` read as a word of their own rather than as an interface. */
const RESERVED_INTERFACE_NAMES = new Set(["all", "interfaces", "help", "dev", "lo", "default"]);

export function checkInterfaceName(text: string): FieldCheck<string> {
  if (!/^[A-Za-z0-9_=+.-]{1,15}$/.test(text) || text === "." || text === "..") {
    return bad(`${quoted(text)} is not a Linux interface name; use 1 to 15 of A-Z a-z 0-9 _ . - (e.g. wgA)`);
  }
  if (text.startsWith("-")) return bad(`${quoted(text)} starts with "-", which wg, wg-quick and ip read as an option; start it with a letter (e.g. wgA)`);
  if (/[=+]/.test(text)) return bad(`${quoted(text)} has "=" or "+", which systemd does not allow in wg-quick@${text}; use A-Z a-z 0-9 _ . - (e.g. wgA)`);
  if (RESERVED_INTERFACE_NAMES.has(text.toLowerCase())) return bad(`${quoted(text)} is a word that wg or ip reads as a command, not an interface; pick another name (e.g. wgA)`);
  return ok(text);
}

/** Letters that could end a shell word or start a new command on the gateway. */
const UNSAFE = /[\s;&|`$<>(){}'"\\*?!#~]/;

export type HostPort = { readonly host: string; readonly port?: number };

/** `host`, `host:port`, `[v6]` or `[v6]:port`; a bare IPv6 literal has no port. */
export function splitHostPort(text: string): HostPort | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : undefined };
  if (text.split(":").length > 2) return parseAddress(text) ? { host: text } : undefined;
  const [host, port] = text.split(":");
  if (port !== undefined && !/^\d+$/.test(port)) return undefined;
  return { host: host!, port: port === undefined ? undefined : Number(port) };
}

const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function checkHost(host: string): boolean {
  if (addressSpellingProblem(host) || (inetAton(host) !== undefined && !parseAddress(host))) return false;
  return parseAddress(host) !== undefined || (HOSTNAME.test(host) && !/^[\d.]+$/.test(host));
}

export function checkEndpoint(text: string): FieldCheck<HostPort> {
  const trimmed = text.trim();
  if (trimmed === "" || UNSAFE.test(trimmed)) {
    return bad(`${quoted(text)} is not an endpoint; use the address or DNS name the other gateway reaches, e.g. 192.0.2.1 or vpn.example.net:51000`);
  }
  const hp = splitHostPort(trimmed);
  const spelling = hp ? addressSpellingProblem(hp.host) : addressSpellingProblem(trimmed);
  if (spelling) return bad(spelling);
  if (!hp || !checkHost(hp.host)) {
    return bad(`${quoted(text)} is not an address or DNS name; use e.g. 192.0.2.1, [2001:db8::1]:51000 or vpn.example.net`);
  }
  if (hp.port !== undefined && !checkPort(hp.port).ok) return bad(`${shown(text)}: port ${hp.port} is out of range; use 1 to 65535`);
  const address = parseAddress(hp.host);
  const special = address ? endpointAddressProblem(address) : undefined;
  if (special) return bad(`${shown(hp.host)} is ${article(special)} address, which no peer can send to; use the other gateway's public address, e.g. 192.0.2.1`);
  return ok(hp);
}

export type SshTarget = { readonly user?: string; readonly host: string; readonly port?: number };

export function parseSshTarget(text: string): SshTarget | undefined {
  const at = text.lastIndexOf("@");
  const user = at >= 0 ? text.slice(0, at) : undefined;
  if (user !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(user)) return undefined;
  const hp = splitHostPort(at >= 0 ? text.slice(at + 1) : text);
  if (!hp || !checkHost(hp.host)) return undefined;
  return { user, host: hp.host, port: hp.port };
}

export function checkSshTarget(text: string): FieldCheck<SshTarget> {
  const trimmed = text.trim();
  const target = trimmed === "" || UNSAFE.test(trimmed) ? undefined : parseSshTarget(trimmed);
  if (!target) {
    const at = trimmed.lastIndexOf("@");
    const hp = UNSAFE.test(trimmed) ? undefined : splitHostPort(trimmed.slice(at + 1));
    const spelling = hp && !UNSAFE.test(trimmed) ? addressSpellingProblem(hp.host) : undefined;
    if (spelling) return bad(spelling);
    return bad(`${quoted(text)} is not an SSH target; use [user@]host[:port] (e.g. root@192.0.2.1 or ops@gw.example.net:2222) or a Host alias from your SSH config`);
  }
  if (target.port !== undefined && !checkPort(target.port).ok) return bad(`${shown(text)}: port ${target.port} is out of range; use 1 to 65535`);
  const address = parseAddress(target.host);
  const range = address?.range();
  if (range === "unspecified" || range === "broadcast" || range === "multicast") {
    return bad(`${shown(target.host)} is ${article(range)} address, which SSH cannot connect to; use the gateway's address, e.g. root@192.0.2.1`);
  }
  return ok(target);
}

export function checkProto(text: unknown): FieldCheck<"tcp" | "udp" | "icmp"> {
  if (text === "tcp" || text === "udp" || text === "icmp") return ok(text);
  return bad(`${shown(text)} is not a protocol wgsite can block; use tcp, udp or icmp`);
}
