import { networkOfPrefix, parseAddress } from "../core/address.ts";
import { MAX_SITES } from "../core/site.ts";
import { transferPrefixFor } from "../core/topology.ts";
import { siteCount, splitField, type FieldId } from "./answers.ts";
import type { WizardState } from "./state.ts";

export type Choice = { readonly label: string; readonly value: string };

/** How a field is shown: a text input, or a list of choices that may allow typing another value. */
export type FieldSpec = {
  readonly label: string;
  readonly hint?: string;
  readonly choices?: readonly Choice[];
  /** A choice list that ends in "other…", switching the field to free typing. */
  readonly other?: string;
  /** How the answer reads when the field is not focused (default: as stored). */
  readonly display?: (value: string) => string;
};

const ORDINAL = ["first", "second", "third", "fourth", "fifth", "sixth"];

function ordinal(side: number): string {
  return ORDINAL[side] ?? `${side + 1}th`;
}

function transferChoices(network: string, count: number): Choice[] {
  const address = parseAddress(network.split("/")[0]?.trim() ?? "");
  if (!address || address.kind() !== "ipv4") return [];
  if (count > 2) {
    // The smallest net that holds every gateway, and one size up for the sites still to come.
    const prefix = transferPrefixFor(count);
    return [prefix, prefix - 1].map((p) => {
      const net = networkOfPrefix(`${address.toString()}/${p}`)!.text;
      return { label: `${net}  room for ${2 ** (32 - p) - 2} gateways, one address each in site order`, value: net };
    });
  }
  const bytes = address.toByteArray();
  const base31 = [...bytes.slice(0, 3), bytes[3]! & ~1].join(".");
  const base30 = [...bytes.slice(0, 3), bytes[3]! & ~3].join(".");
  return [
    { label: `${base31}/31  both addresses usable (RFC 3021), as in the reference`, value: `${base31}/31` },
    { label: `${base30}/30  the fallback for devices that mishandle a /31`, value: `${base30}/30` },
  ];
}

export function fieldSpec(field: FieldId, state: WizardState): FieldSpec {
  const { answers } = state;
  const count = siteCount(answers);
  const name = (side: number) => answers[`name${side}`] || `${ordinal(side)} site`;
  if (count > 2) {
    const many = manySiteSpec(field, state, count, name);
    if (many) return many;
  }
  switch (field) {
    case "name0":
    case "name1":
      return { label: `Name of the ${field === "name0" ? "first" : "second"} site`, hint: "lowercase letters, digits, - or _; used in config comments and file names" };
    case "lan0":
    case "lan1":
      return lanSpec(name(field === "lan0" ? 0 : 1));
    case "network":
      return {
        label: "Transfer network",
        hint: "only the two gateways live on it. RFC 3021 allows a /31; if you meet routing trouble, switch to a /30 and its two valid host addresses",
        choices: transferChoices(answers.network, count),
        other: "another network…",
      };
    case "port":
      return { label: "UDP port", hint: "both gateways listen on it (the reference uses 51000)" };
    case "iface0":
    case "iface1": {
      const side = field === "iface0" ? 0 : 1;
      return { label: `WireGuard interface on ${name(side)}`, hint: "as in the reference: wgA on alpha, wgB on beta" };
    }
    case "keepalive":
      return { label: "Keepalive (seconds)", hint: "0 turns it off (both ends have static endpoints); 25 if a gateway sits behind NAT" };
    case "psk":
      return {
        label: "Preshared key",
        choices: [
          { label: "off  as in the reference", value: "off" },
          { label: "on   an extra symmetric key on top of the key pair; generated on the gateways, never shown", value: "on" },
        ],
      };
    case "ssh0":
    case "ssh1":
      return sshSpec(state, name(field === "ssh0" ? 0 : 1));
    case "endpoint0":
    case "endpoint1": {
      const side = field === "endpoint0" ? 0 : 1;
      return {
        label: `Public endpoint of ${name(side)}`,
        hint: `where ${name(side === 0 ? 1 : 0)}'s gateway reaches it: address or DNS name, optionally :port`,
      };
    }
    case "savePath":
      return { label: "Save the site file as", hint: "rerun it any time without questions; written whole or not at all" };
    case "topology":
      return { label: "Topology", choices: topologyChoices(state, count), display: (v) => (v.startsWith("hub:") ? `hub ${v.slice(4)}` : v) };
    case "more":
      return { label: "Sites", choices: moreChoices(state, count), display: () => `${count}; add or remove one here` };
  }
  return { label: field };
}

/** The same for two sites and for more: nothing in them counts the sites. */
function lanSpec(site: string): FieldSpec {
  return { label: `LAN networks of ${site}`, hint: "the networks behind its gateway; several: separate with commas" };
}

function sshSpec(state: WizardState, site: string): FieldSpec {
  return { label: `SSH target of ${site}'s gateway`, hint: "[user@]host[:port], or a Host alias from your SSH config", choices: sshChoices(state), other: "type [user@]host[:port]…" };
}

function sshChoices(state: WizardState): Choice[] {
  return state.aliases.map((a) => ({ label: `${a.name}  (${a.user}@${a.hostName}${a.port === 22 ? "" : `:${a.port}`})`, value: a.name }));
}

function topologyChoices(state: WizardState, count: number): Choice[] {
  const names = Array.from({ length: count }, (_, i) => state.answers[`name${i}`]!);
  return [
    { label: "mesh  every gateway a peer of every other", value: "mesh" },
    ...names.map((n) => ({ label: `hub ${n}  the others reach each other through ${n}`, value: `hub:${n}` })),
  ];
}

function moreChoices(state: WizardState, count: number): Choice[] {
  const names = Array.from({ length: count }, (_, i) => state.answers[`name${i}`]!);
  return [
    { label: `go on with these ${count} sites`, value: "keep" },
    ...(count < MAX_SITES ? [{ label: "add a site", value: "add" }] : []),
    // By name, not place: a second Enter on the same entry cannot remove the site that moved up into it.
    ...names.map((n) => ({ label: `remove ${n}`, value: `remove:${n}` })),
  ];
}

/** The labels that name sites by their place (first, second…) or speak of "both" and "the other" read differently with more sites. */
function manySiteSpec(field: FieldId, state: WizardState, count: number, name: (side: number) => string): FieldSpec | undefined {
  const split = splitField(field);
  if (!split) {
    if (field === "network") {
      return {
        label: "Transfer network",
        hint: `every gateway gets one address on it in site order (.1 ${name(0)}, .2 ${name(1)}, …); ${count} sites need a /${transferPrefixFor(count)} or larger`,
        choices: transferChoices(state.answers.network, count),
        other: "another network…",
      };
    }
    if (field === "port") return { label: "UDP port", hint: "every gateway listens on it (the reference uses 51000)" };
    if (field === "keepalive") return { label: "Keepalive (seconds)", hint: "0 turns it off; a site with endpoint: none sends 25 to its peers in any case" };
    return undefined;
  }
  const [kind, side] = split;
  switch (kind) {
    case "name":
      return { label: `Name of site ${side + 1}`, hint: "lowercase letters, digits, - or _; each site its own name" };
    case "lan":
      return lanSpec(name(side));
    case "iface":
      return { label: `WireGuard interface on ${name(side)}`, hint: "each gateway its own, as in the examples: wgA, wgB, wgC…" };
    case "ssh":
      return sshSpec(state, name(side));
    case "endpoint":
      return {
        label: `Public endpoint of ${name(side)}`,
        hint: "where its peers reach it: address or DNS name, optionally :port; none: behind NAT, it only reaches out",
      };
  }
}

/** A choice field shows a text input when switched to typing, when its value is none of the choices, or when there are none. */
export function isTyping(state: WizardState, field: FieldId): boolean {
  const spec = fieldSpec(field, state);
  if (!spec.choices) return true;
  if (spec.choices.length === 0) return true;
  if (state.typing.includes(field)) return true;
  // A list without "other…" (the topology, the sites list) is never typed in: a value not in it is replaced on focus.
  if (!spec.other) return false;
  const value = state.answers[field];
  return value !== "" && !spec.choices.some((c) => c.value === value);
}
