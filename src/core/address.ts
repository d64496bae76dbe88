import ipaddr from "ipaddr.js";

export type Cidr = {
  readonly text: string;
  readonly family: "ipv4" | "ipv6";
  readonly network: ipaddr.IPv4 | ipaddr.IPv6;
  readonly prefix: number;
};

/** Strict IPv4 dotted quad: ipaddr.js alone would also accept "10.1" or "0x0a.0.0.1". */
const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (text.includes(".") && !text.includes(":")) return DOTTED_QUAD.test(text) ? ipaddr.IPv4.parse(text) : undefined;
  if (text.includes(":") && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

export function isAddressLiteral(text: string): boolean {
  return parseAddress(text) !== undefined;
}

export type CidrParse =
  | { readonly ok: true; readonly cidr: Cidr }
  | { readonly ok: false; readonly reason: string; readonly suggestion?: string };

export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf("/");
  if (slash < 0) return { ok: false, reason: `${text} has no prefix length`, suggestion: `${text}/24` };
  const address = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!address) return { ok: false, reason: `${text} is not an IPv4 or IPv6 network` };
  const max = address.kind() === "ipv4" ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    return { ok: false, reason: `${text} has an invalid prefix length (0..${max})` };
  }
  const prefix = Number(prefixText);
  const network = networkOf(address, prefix);
  const canonical = `${network.toString()}/${prefix}`;
  if (network.toString() !== address.toString()) {
    return { ok: false, reason: `${text} has host bits set`, suggestion: canonical };
  }
  return { ok: true, cidr: { text: canonical, family: address.kind(), network, prefix } };
}

function networkOf(address: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === "ipv4"
    ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefix}`);
}

export function cidrContains(cidr: Cidr, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
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
  const address = parseAddress(addressText!);
  if (!address) return undefined;
  const prefix = prefixText === undefined ? (address.kind() === "ipv4" ? 32 : 128) : Number(prefixText);
  const network = networkOf(address, prefix);
  return { text: `${network.toString()}/${prefix}`, family: address.kind(), network, prefix };
}
