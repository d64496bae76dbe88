import { parseAddress } from "../core/address.ts";
import { parseSshTarget } from "../core/fields.ts";
import type { SshAlias } from "./ssh-aliases.ts";

/** Ranges a peer on the internet cannot reach; documentation ranges count as public (they stand in for it). */
const NOT_PUBLIC = new Set(["private", "loopback", "linkLocal", "carrierGradeNat", "uniqueLocal", "unspecified", "multicast", "broadcast"]);

/** The address an SSH target reaches, when it is a public address: the endpoint's default. */
export function publicHostOf(sshText: string, aliases: readonly SshAlias[]): string | undefined {
  const target = parseSshTarget(sshText.trim());
  if (!target) return undefined;
  const host = aliases.find((a) => a.name === target.host)?.hostName ?? target.host;
  const address = parseAddress(host);
  return address && !NOT_PUBLIC.has(address.range()) ? host : undefined;
}
