import type { Cidr } from "../address.ts";
import type { IptablesDump } from "./iptables-save.ts";
import type { NftRuleset } from "./nft-ruleset.ts";
import { tablesAt, walkChain, type Flow } from "./rule-model.ts";

/** What the forward hook does with traffic in one direction between a LAN and the tunnel. */
export type ForwardPath = {
  readonly from: string;
  readonly to: string;
  readonly verdict: "accept" | "drop";
  /** The rule that decided, or the chain whose policy did. */
  readonly by: string;
  /** Where a fix goes: the table and base chain the traffic entered (absent when nothing filters). */
  readonly at?: { readonly backend: "iptables" | "nftables"; readonly table: string; readonly chain: string };
};

export type ForwardInput = {
  readonly iptables: IptablesDump;
  readonly nft: NftRuleset;
  readonly wgInterface: string;
  /** The interface that carries the local LAN, when known. */
  readonly lanInterface?: string;
  readonly localLans: readonly Cidr[];
  readonly remoteLans: readonly Cidr[];
};

/**
 * LAN -> tunnel and tunnel -> LAN through every table at the forward hook: a drop in any table
 * drops the packet, so the first drop found is the answer; otherwise the traffic passes.
 */
export function forwardPaths(input: ForwardInput): ForwardPath[] {
  const lan = input.lanInterface ?? "LAN";
  const paths: ForwardPath[] = [];
  for (const local of input.localLans) {
    for (const remote of input.remoteLans) {
      const out: Flow = { ...(input.lanInterface ? { in: input.lanInterface } : {}), out: input.wgInterface, src: local, dst: remote };
      const back: Flow = { in: input.wgInterface, ...(input.lanInterface ? { out: input.lanInterface } : {}), src: remote, dst: local };
      paths.push(judge(input, out, lan, input.wgInterface), judge(input, back, input.wgInterface, lan));
    }
  }
  return paths;
}

function judge(input: ForwardInput, flow: Flow, from: string, to: string): ForwardPath {
  let accepted: ForwardPath | undefined;
  for (const table of tablesAt("forward", input.iptables, input.nft)) {
    for (const entry of table.entry) {
      const decision = walkChain(table, entry, flow);
      // Without a surely matching rule, the base chain's policy decides.
      const ruled = decision && decision !== "return" && decision.verdict !== "nat" && decision.rule ? { verdict: decision.verdict, rule: decision.rule } : undefined;
      const verdict: "accept" | "drop" = ruled ? ruled.verdict : (table.chains.get(entry)?.policy ?? "accept");
      const by = ruled ? ruled.rule.text : `${entry} policy ${verdict}`;
      const path: ForwardPath = { from, to, verdict, by, at: { backend: table.backend, table: table.name, chain: entry } };
      if (verdict === "drop") return path;
      accepted ??= path;
    }
  }
  return accepted ?? { from, to, verdict: "accept", by: "no forward rules" };
}
