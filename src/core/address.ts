import ipaddr from "ipaddr.js";
import { shown } from "./show-value.ts";

export type Cidr = {
  readonly text: string;
  readonly family: "ipv4" | "ipv6";
  readonly network: ipaddr.IPv4 | ipaddr.IPv6;
  readonly prefix: number;
};

/** Strict IPv4 dotted quad: ipaddr.js alone would also accept "10.1" or "0x0a.0.0.1". */
const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** An address literal as written: a strict dotted quad or IPv6 without a zone id, not yet canonical. */
function parseLiteral(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (text.includes(".") && !text.includes(":")) return DOTTED_QUAD.test(text) ? ipaddr.IPv4.parse(text) : undefined;
  if (text.includes(":") && !text.includes("%") && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

/**
 * An address in canonical form: an IPv4-mapped IPv6 address (`::ffff:10.10.10.5`, how a dual-stack
 * sshd reports an IPv4 client) is the IPv4 address, so every containment check sees one value.
 */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const address = parseLiteral(text);
  return address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}

export function isAddressLiteral(text: string): boolean {
  return parseAddress(text) !== undefined;
}

/**
 * The IPv4 address glibc's inet_aton makes of a name like `0xa.0xa.0xa.5`, `10.1` or `012.10.10.5`
 * (hex, octal, fewer than four parts), which a resolver takes as that address, not as a DNS name.
 * Undefined for a real name; null for a numeric-looking name inet_aton refuses (no address at all).
 */
export function inetAton(text: string): string | null | undefined {
  const parts = text.split(".");
  if (parts.length > 4 || !parts.every((p) => /^(0x[0-9a-f]*|\d+)$/i.test(p))) return undefined;
  const values = parts.map((p) => (/^0x/i.test(p) ? parseInt(p.slice(2) || "0", 16) : /^0\d/.test(p) ? (/^[0-7]+$/.test(p) ? parseInt(p, 8) : NaN) : Number(p)));
  if (values.some((v) => !Number.isFinite(v))) return null;
  const head = values.slice(0, -1);
  const last = values[values.length - 1]!;
  if (head.some((v) => v > 255) || last >= 2 ** (8 * (5 - values.length))) return null;
  const value = head.reduce((acc, v, i) => acc + v * 2 ** (8 * (3 - i)), 0) + last;
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/** Why an address-like text is not written the one way wgsite accepts, or undefined when it is fine. */
export function addressSpellingProblem(text: string): string | undefined {
  if (text.includes("%")) return `${shown(text)} has an IPv6 zone id (%...); a tunnel endpoint or LAN is a global address, write it without the zone`;
  const literal = parseLiteral(text);
  if (literal instanceof ipaddr.IPv6 && literal.isIPv4MappedAddress()) {
    return `${shown(text)} is an IPv4 address written as IPv6; write it as ${literal.toIPv4Address().toString()}`;
  }
  if (literal) return undefined;
  const aton = inetAton(text);
  if (aton) return `${shown(text)} is read by the resolver as the address ${aton}; write it as ${aton}`;
  return undefined;
}

export type CidrParse =
  | { readonly ok: true; readonly cidr: Cidr }
  | { readonly ok: false; readonly reason: string; readonly suggestion?: string };

export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf("/");
  if (slash < 0) {
    return parseLiteral(text) ? { ok: false, reason: `${shown(text)} has no prefix length`, suggestion: `${text}/24` } : { ok: false, reason: `${shown(text)} is not an IPv4 or IPv6 network` };
  }
  const spelling = addressSpellingProblem(text.slice(0, slash));
  if (spelling) return { ok: false, reason: spelling };
  const address = parseLiteral(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!address) return { ok: false, reason: `${shown(text)} is not an IPv4 or IPv6 network` };
  const max = address.kind() === "ipv4" ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    return { ok: false, reason: `${shown(text)} has an invalid prefix length (0..${max})` };
  }
  const prefix = Number(prefixText);
  const network = networkOf(address, prefix);
  const canonical = `${network.toString()}/${prefix}`;
  if (network.toString() !== address.toString()) {
    return { ok: false, reason: `${shown(text)} has host bits set`, suggestion: canonical };
  }
  return { ok: true, cidr: { text: canonical, family: address.kind(), network, prefix } };
}

function networkOf(address: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === "ipv4"
    ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefix}`);
}

export function cidrContains(cidr: Cidr, given: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  // A network written as mapped IPv6 (a route like ::ffff:0:0/96) holds IPv4 addresses too.
  const address = given instanceof ipaddr.IPv4 && cidr.family === "ipv6" ? given.toIPv4MappedAddress() : given;
  if (address.kind() !== cidr.family) return false;
  return address.match([cidr.network, cidr.prefix] as [typeof address, number]);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b.network) || cidrContains(b, a.network);
}

/** Address at `offset` from the network address, as text (IPv4 only: the transfer net). */
export function ipv4At(cidr: Cidr, offset: number): string {
  const bytes = cidr.network.toByteArray();
  const value = ((bytes[0]! << 24) >>> 0) + (bytes[1]! << 16) + (bytes[2]! << 8) + bytes[3]! + offset;
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/** IPv6 address at `offset` from the network address, as text (the IPv6 transfer net). */
export function ipv6At(cidr: Cidr, offset: number): string {
  const parts = cidr.network.toByteArray();
  let carry = offset;
  for (let i = parts.length - 1; i >= 0 && carry > 0; i--) {
    const sum = parts[i]! + carry;
    parts[i] = sum % 256;
    carry = Math.floor(sum / 256);
  }
  return ipaddr.fromByteArray(parts).toString();
}

/**
 * The two gateways' transfer addresses: on a /31 both addresses are usable (RFC 3021);
 * on a /30 the network and broadcast addresses are skipped.
 */
export function transferAddresses(cidr: Cidr): readonly [string, string] {
  return cidr.prefix === 31 ? [ipv4At(cidr, 0), ipv4At(cidr, 1)] : [ipv4At(cidr, 1), ipv4At(cidr, 2)];
}

/** A host address inside a LAN used as a probe target (the first usable one, where gateways usually sit). */
export function firstHost(cidr: Cidr): string {
  if (cidr.family === "ipv4") return ipv4At(cidr, cidr.prefix >= 31 ? 0 : 1);
  const bytes = cidr.network.toByteArray();
  bytes[15] = (bytes[15] ?? 0) + 1;
  return ipaddr.fromByteArray(bytes).toString();
}

/** The network of an interface address such as `10.10.10.1/24` (host bits allowed), or a route's `dst`. */
export function networkOfPrefix(text: string): Cidr | undefined {
  if (text === "default") return networkOfPrefix("0.0.0.0/0");
  const [addressText, prefixText] = text.includes("/") ? text.split("/") : [text, undefined];
  const address = parseLiteral(addressText!);
  if (!address) return undefined;
  const prefix = prefixText === undefined ? (address.kind() === "ipv4" ? 32 : 128) : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (address.kind() === "ipv4" ? 32 : 128)) return undefined;
  const network = networkOf(address, prefix);
  return { text: `${network.toString()}/${prefix}`, family: address.kind(), network, prefix };
}

/** Networks no tunnel can carry: what the kernel keeps for itself or never forwards. */
const SPECIAL: readonly { readonly text: string; readonly what: string }[] = [
  { text: "0.0.0.0/8", what: "\"this network\"" },
  { text: "127.0.0.0/8", what: "loopback" },
  { text: "169.254.0.0/16", what: "link-local" },
  { text: "224.0.0.0/4", what: "multicast" },
  { text: "240.0.0.0/4", what: "reserved (and broadcast)" },
  { text: "::/128", what: "the unspecified address" },
  { text: "::1/128", what: "loopback" },
  { text: "fe80::/10", what: "link-local" },
  { text: "ff00::/8", what: "multicast" },
];

const SPECIAL_CIDRS = SPECIAL.map((s) => ({ ...s, cidr: networkOfPrefix(s.text)! }));

/** Which special network a LAN or transfer net overlaps ("loopback (127.0.0.0/8)"), if any. */
export function specialOverlap(cidr: Cidr): string | undefined {
  const hit = SPECIAL_CIDRS.find((s) => cidrsOverlap(s.cidr, cidr));
  return hit ? `${hit.what} (${hit.text})` : undefined;
}

/** Why an address cannot be a tunnel endpoint (unspecified, broadcast, multicast, loopback), if so. */
export function endpointAddressProblem(address: ipaddr.IPv4 | ipaddr.IPv6): string | undefined {
  const range = address.range();
  if (range === "unspecified" || range === "broadcast" || range === "multicast" || range === "loopback") return range;
  if (address instanceof ipaddr.IPv4 && address.toByteArray()[0]! >= 240) return "reserved";
  return undefined;
}
