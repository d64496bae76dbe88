import type { HostFacts } from "../core/host-facts.ts";
import type { Plan, TrafficEffect } from "../core/plan-types.ts";

/** What a run reports as it goes: the apply view and the non-interactive log both consume these. */
export type ApplyEvent =
  | { readonly type: "connecting"; readonly site: string; readonly target: string }
  | { readonly type: "facts"; readonly site: string; readonly facts: HostFacts }
  | { readonly type: "plan"; readonly plan: Plan }
  | { readonly type: "step-start"; readonly site: string; readonly step: string; readonly title: string }
  | { readonly type: "step-done"; readonly site: string; readonly step: string; readonly title: string; readonly ms: number; readonly changed: boolean; readonly note?: string }
  | { readonly type: "step-failed"; readonly site: string; readonly step: string; readonly title: string; readonly ms: number; readonly output: string }
  | { readonly type: "check"; readonly site: string; readonly id: string; readonly ok: boolean; readonly detail: string; readonly warning?: true };

export type StepReport = { readonly id: string; readonly title: string; readonly status: "changed" | "unchanged" | "failed"; readonly ms: number; readonly note?: string };
/** `warning`: the check did not pass but does not fail verification (a LAN host that does not answer). */
export type CheckReport = { readonly id: string; readonly ok: boolean; readonly detail: string; readonly warning?: true };
export type TransportStats = { readonly connections: number; readonly roundTrips: number; readonly bytesIn: number; readonly bytesOut: number };
/** `traffic`: what the plan said the run does to the tunnel's traffic (live reload, restart, start). */
export type GatewayReport = { readonly site: string; readonly interface: string; readonly changed: boolean; readonly traffic?: TrafficEffect; readonly steps: StepReport[]; readonly checks: CheckReport[]; transport?: TransportStats };
export type ApplyReport = { readonly ok: boolean; readonly gateways: readonly GatewayReport[]; readonly error?: string; readonly rolledBack?: readonly string[] };

export type Emit = (event: ApplyEvent) => void;
