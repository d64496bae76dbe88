import type { Site } from "../../core/site.ts";
import { checks, findPeer, type Check } from "../../status/checks.ts";
import type { GatewayView } from "../../status/report.ts";
import type { StatusSample } from "../../status/sample.ts";

/** How many rate points the sparklines keep. */
export const RATE_HISTORY = 16;

export type Link =
  | { readonly kind: "connecting" }
  /** `heavy` while the slow probes (path MTU, 10 pings) run: that tick takes a few seconds. */
  | { readonly kind: "up"; readonly heavy: boolean }
  | { readonly kind: "reconnecting"; readonly attempt: number; readonly retryInSec: number; readonly error: string };

/** One gateway's half of the pane. */
export type GatewayPane = {
  readonly link: Link;
  /** The latest sample, with the latest heavy probes carried over. */
  readonly sample?: StatusSample;
  readonly checks: readonly Check[];
  /** Bytes per second, oldest first. */
  readonly rates: { readonly rx: readonly number[]; readonly tx: readonly number[] };
  /** The peer's counters at the last sample (local clock, ms), for the next rate. */
  readonly counters?: { readonly rx: number; readonly tx: number; readonly at: number };
};

export type StatusState = {
  readonly site: Site;
  readonly gateways: readonly [GatewayPane, GatewayPane];
  /** The gateway whose hints are shown (and which is shown when the screen is narrow). */
  readonly focus: 0 | 1;
};

export type StatusEvent =
  | { readonly type: "probe-started"; readonly index: 0 | 1; readonly heavy: boolean }
  | { readonly type: "sampled"; readonly index: 0 | 1; readonly sample: StatusSample; readonly at: number }
  | { readonly type: "lost"; readonly index: 0 | 1; readonly error: string; readonly attempt: number; readonly retryInMs: number }
  | { readonly type: "reconnected"; readonly index: 0 | 1 }
  | { readonly type: "focus"; readonly to: "next" | "previous" };

const emptyPane: GatewayPane = { link: { kind: "connecting" }, checks: [], rates: { rx: [], tx: [] } };

export function initialStatus(site: Site): StatusState {
  return { site, gateways: [emptyPane, emptyPane], focus: 0 };
}

function withPane(state: StatusState, index: 0 | 1, pane: GatewayPane): StatusState {
  const gateways: [GatewayPane, GatewayPane] = [state.gateways[0], state.gateways[1]];
  gateways[index] = pane;
  return { ...state, gateways };
}

const push = (list: readonly number[], value: number) => [...list, value].slice(-RATE_HISTORY);

function sampled(state: StatusState, index: 0 | 1, fresh: StatusSample, at: number): StatusState {
  const pane = state.gateways[index];
  const other = state.gateways[index === 0 ? 1 : 0];
  const sample: StatusSample = fresh.heavy || !pane.sample?.heavy ? fresh : { ...fresh, heavy: pane.sample.heavy };
  const remote = state.site.sites[index === 0 ? 1 : 0];
  const peer = findPeer(sample.wg, other.sample?.wg?.publicKey, remote.lan.map((l) => l.text));
  let rates = pane.rates;
  if (peer && pane.counters && at > pane.counters.at) {
    const seconds = (at - pane.counters.at) / 1000;
    // A restarted interface starts its counters again: no negative rates.
    rates = { rx: push(rates.rx, Math.max(0, (peer.rxBytes - pane.counters.rx) / seconds)), tx: push(rates.tx, Math.max(0, (peer.txBytes - pane.counters.tx) / seconds)) };
  }
  const next = withPane(state, index, {
    ...pane,
    link: { kind: "up", heavy: false },
    sample,
    rates,
    ...(peer ? { counters: { rx: peer.rxBytes, tx: peer.txBytes, at } } : {}),
  });
  // The other gateway's checks read only this one's public key: judged again when it changed.
  const keyChanged = pane.sample?.wg?.publicKey !== sample.wg?.publicKey;
  return judged(next, keyChanged ? [0, 1] : [index]);
}

/** Checks of the gateways in `which` again (the peer-key check of one reads the other's sample). */
function judged(state: StatusState, which: readonly (0 | 1)[]): StatusState {
  const [a, b] = state.gateways;
  const judge = (index: 0 | 1, pane: GatewayPane, other: GatewayPane): GatewayPane => {
    if (!pane.sample || !which.includes(index)) return pane;
    try {
      return { ...pane, checks: checks(state.site, index, pane.sample, other.sample) };
    } catch {
      // A sample the checks cannot read keeps the last checks on screen: the pane must not die of it.
      return pane;
    }
  };
  return { ...state, gateways: [judge(0, a, b), judge(1, b, a)] };
}

/** Pure: every change of the pane is one of these events; the effects live in probe-loops.ts. */
export function statusReducer(state: StatusState, event: StatusEvent): StatusState {
  switch (event.type) {
    case "probe-started": {
      const pane = state.gateways[event.index];
      // The same state when nothing changes, so a steady tick costs no render.
      if (pane.link.kind !== "up" || pane.link.heavy === event.heavy) return state;
      return withPane(state, event.index, { ...pane, link: { kind: "up", heavy: event.heavy } });
    }
    case "sampled":
      return sampled(state, event.index, event.sample, event.at);
    case "lost":
      return withPane(state, event.index, {
        ...state.gateways[event.index],
        link: { kind: "reconnecting", attempt: event.attempt, retryInSec: Math.round(event.retryInMs / 1000), error: event.error },
        counters: undefined,
      });
    case "reconnected":
      return withPane(state, event.index, { ...state.gateways[event.index], link: { kind: "up", heavy: true } });
    case "focus":
      return { ...state, focus: state.focus === 0 ? 1 : 0 };
  }
}

/** The pane's gateways as the report functions see them (a reconnecting gateway counts as unreachable). */
export function gatewayViews(state: StatusState): [GatewayView, GatewayView] {
  const view = (pane: GatewayPane): GatewayView => ({
    ...(pane.sample ? { sample: pane.sample } : {}),
    checks: pane.checks,
    ...(pane.link.kind === "reconnecting" ? { error: pane.link.error } : {}),
  });
  return [view(state.gateways[0]), view(state.gateways[1])];
}
