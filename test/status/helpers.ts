import { readFileSync } from "node:fs";
import { loadSite } from "../../src/core/load-site.ts";
import type { Site } from "../../src/core/site.ts";
import { parseStatus } from "../../src/status/probe.ts";
import { checks } from "../../src/status/checks.ts";
import type { GatewayView } from "../../src/status/report.ts";
import type { StatusSample } from "../../src/status/sample.ts";
import { CAPTURE_TARGETS } from "../fixtures/status/status-scripts.ts";

/** A real capture from test/fixtures/status (see capture.sh there). */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/status/${name}`, import.meta.url), "utf8");
}

/** The site the captures belong to: alpha 10.10.10.0/24 behind wgA, beta 10.10.11.0/24 behind wgB. */
export function captureSite(): Site {
  const result = loadSite(fixture("capture-site.yaml"));
  if (!result.ok) throw new Error(`capture-site.yaml: ${JSON.stringify(result.problems)}`);
  return result.site;
}

/** A captured status tick of `wgsite status`, parsed. */
export function tick(name: string, site: "alpha" | "beta" = name.includes("beta") ? "beta" : "alpha"): StatusSample {
  return parseStatus(fixture(name), CAPTURE_TARGETS[site]).sample;
}

export const ALPHA_KEY = "5zSiMPtVGd4PEO+wn7do5l6xt9bJa5BZu0uMIB7CkCM=";
export const BETA_KEY = "+dabEHFIUy00GULkQwGnOxC4QM9xNuBH+nxYwfEWk1E=";

/** A captured tick as a converged gateway reports it: unit enabled and active, ip_forward on and persisted. */
export const healthy = (s: StatusSample): StatusSample => ({ ...s, init: "systemd", unit: { enabled: true, active: true }, ipForward: { runtime: true, persisted: true } });

/** Both gateways' samples with their checks, as status and the pane judge them. */
export function views(site: Site, a: StatusSample, b: StatusSample): [GatewayView, GatewayView] {
  return [
    { sample: a, checks: checks(site, 0, a, b) },
    { sample: b, checks: checks(site, 1, b, a) },
  ];
}
