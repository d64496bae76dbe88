import type { StatusSample } from "../../../src/status/sample.ts";
import { tick } from "../../status/helpers.ts";

/** A captured tick as a converged gateway reports it (unit enabled and active, ip_forward on and persisted). */
export function healthy(sample: StatusSample): StatusSample {
  return { ...sample, init: "systemd", unit: { enabled: true, active: true }, ipForward: { runtime: true, persisted: true } };
}

export const alphaSample = (): StatusSample => healthy(tick("tick-alpha-heavy.txt"));
/** Beta as captured: ip_forward 0 at runtime (the capture's beta namespace never forwarded). */
export const betaForwardOff = (): StatusSample => ({ ...tick("tick-beta-heavy.txt"), init: "systemd", unit: { enabled: true, active: true } });

/** The same sample a second later with more bytes through the tunnel, as a light tick (no heavy probes). */
export function later(sample: StatusSample, seconds: number, rx: number, tx: number): StatusSample {
  const peer = sample.wg!.peers[0]!;
  const { heavy: _heavy, ...rest } = sample;
  return { ...rest, clock: sample.clock + seconds, wg: { ...sample.wg!, peers: [{ ...peer, rxBytes: peer.rxBytes + rx, txBytes: peer.txBytes + tx }] } };
}

/** Frames without colors, so they compare as text whatever the terminal supports. */
export function plain(frame: string | undefined): string {
  return (frame ?? "").replace(/\x1b\[[0-9;]*m/g, "");
}
