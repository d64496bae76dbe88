import type { GatewayPlan, Plan } from "./plan-types.ts";

/** The JSON form of `wgsite plan --json`: a public contract, so only documented fields. */
export function planToJson(plan: Plan): unknown {
  return {
    runId: plan.runId,
    gateways: plan.gateways.map((g) => ({
      site: g.site,
      interface: g.interface,
      ssh: g.ssh,
      files: g.files.map((f) => ({ path: f.path, mode: f.mode, owner: f.owner, content: f.content, changed: f.existing !== f.content })),
      steps: g.steps.map((s) => ({ id: s.id, phase: s.phase, title: s.title, ...(s.reason ? { reason: s.reason } : {}), ...(s.noop ? { noop: s.noop } : { ops: s.ops, undo: s.undo }) })),
      traffic: g.traffic,
      bindings: g.bindings,
      warnings: g.warnings,
      verify: g.verify,
      ...(g.pairs ? { pairs: g.pairs } : {}),
    })),
  };
}

/** What verification does on this gateway, as the plan and the wizard's review list it. */
export function verifyText(g: GatewayPlan): string {
  if (g.pairs) return `Verify every site: ${g.pairs.map((p) => `${p.site} (ping ${p.peerTunnelAddress}, ${p.localLanAddress ? `${p.localLanAddress} -> ` : "route to "}${p.remoteProbe}${p.via ? ` via ${p.via}` : ""})`).join(", ")}`;
  const v = g.verify;
  const parts = [`handshake, ping ${v.peerTunnelAddress}${v.peerTunnelAddress6 ? ` and ${v.peerTunnelAddress6}` : ""}, route to ${v.remoteProbe} via ${g.interface}`];
  if (v.localLanAddress) parts.push(`ping ${v.remoteProbe} from ${v.localLanAddress} (and once with ${g.interface}'s whole MTU, don't fragment)`);
  if (v.localLanAddress6 && v.remoteProbe6) parts.push(`ping ${v.remoteProbe6} from ${v.localLanAddress6}`);
  if (v.remoteHosts?.length) parts.push(`ping ${v.remoteHosts.join(" and ")} (heard on the other LAN) from ${v.localLanAddress}`);
  return `Verify: ${parts.join(", ")}`;
}

function gatewayText(g: GatewayPlan): string {
  const lines = [`== ${g.site} (${g.ssh}) interface ${g.interface}`, ""];
  for (const f of g.files) {
    lines.push(`--- ${f.path} (mode ${f.mode}, ${f.owner})`, f.content.trimEnd(), "---", "");
  }
  lines.push("Steps:");
  g.steps.forEach((s, i) => {
    lines.push(`  ${i + 1}. ${s.title}${s.noop ? `  [nothing to do: ${s.noop}]` : ""}${s.reason ? `\n     why: ${s.reason}` : ""}`);
  });
  lines.push(`  ${g.steps.length + 1}. ${verifyText(g)}`);
  lines.push(`Traffic: ${g.traffic.text}`);
  for (const w of g.warnings) lines.push(`  ! ${w.message}; fix: ${w.fix}`);
  return lines.join("\n");
}

export function planToText(plan: Plan): string {
  return `${plan.gateways.map(gatewayText).join("\n\n")}\n`;
}
