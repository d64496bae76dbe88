import { readFileSync } from "node:fs";
import { plan } from "../../src/core/plan.ts";
import type { Connection, ExecOptions, ExecResult } from "../../src/remote/connection.ts";
import { REPLY_END } from "../../src/status/held-script.ts";
import type { GatewaySession } from "../../src/remote/gateways.ts";
import { pairOutputs } from "../../src/status/pair-output.ts";
import type { SitesGatewayView } from "../../src/status/sites-report.ts";
import { verifySample } from "../../src/status/verify.ts";
import { FRESH, siteOf } from "../helpers/applied-facts.ts";
import { siteKeys, sitesProbeOutput } from "../remote/helpers/fake-sites.ts";
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

/** One of examples/*.yaml (mesh, hub: four sites). */
export const example = (name: string): Site => siteOf(readFileSync(new URL(`../../examples/${name}.yaml`, import.meta.url), "utf8"));

/** A plan of `site` on fresh gateways with a LAN address each, and a public key per site. */
function planned(site: Site) {
  const facts = site.sites.map((def) => ({ ...FRESH, connected: [{ dev: "lan0", address: def.lan[0]!.text.replace(/\.0\/24$/, ".1"), cidr: def.lan[0]!.text }] }));
  return { facts, p: plan({ site, facts, runId: "R1" }), keys: siteKeys(site) };
}

/** More than two sites: each gateway's samples toward every other site, as the fake probes answer (save `deadPairs`). */
export function sitesViews(site: Site, deadPairs: readonly string[] = []): SitesGatewayView[] {
  const { p, keys } = planned(site);
  return p.gateways.map((gp, i) => {
    const chunks = pairOutputs(sitesProbeOutput(p, i, keys, deadPairs));
    return { samples: new Map((gp.pairs ?? []).map((t) => [t.site, verifySample(chunks.get(t.site)!, t)!] as [string, StatusSample])) };
  });
}

/**
 * Sessions whose every status tick (one-off, or a request line to a held script) answers as a working
 * mesh or hub would (the sites e2e shows the real one), save the pairs in `deadPairs` ("a-b"), read
 * at each tick; `ticks` counts each gateway's, `commands` its commands, `held` its held scripts still running.
 */
export function sitesSessions(site: Site, deadPairs: readonly string[] = []): { sessions: GatewaySession[]; ticks: number[]; commands: number[]; held: number[] } {
  const { facts, p, keys } = planned(site);
  const ticks = site.sites.map(() => 0);
  const commands = site.sites.map(() => 0);
  const held = site.sites.map(() => 0);
  return {
    ticks,
    commands,
    held,
    sessions: site.sites.map((def, i) => {
      const conn: Connection = {
        label: def.name,
        stats: { roundTrips: 0, bytesIn: 0, bytesOut: 0, connections: 1 },
        exec(_command: string, options: ExecOptions = {}): Promise<ExecResult> {
          const answer = () => {
            ticks[i]!++;
            return sitesProbeOutput(p, i, keys, deadPairs);
          };
          commands[i]!++;
          if (!options.feedStdin) return Promise.resolve({ stdout: answer(), stderr: "", code: 0 });
          // A held script (the pane, --watch): a reply per request line until stdin closes.
          held[i]!++;
          return new Promise((resolve) => {
            void options.holdStdin?.then(() => {
              held[i]!--;
              resolve({ stdout: "", stderr: "", code: 0 });
            });
            options.feedStdin!((text) => {
              for (const line of text.split("\n").filter(Boolean)) if (/^[LH]$/.test(line)) setImmediate(() => options.onStdout?.(`${answer()}\n${REPLY_END}\n`));
            });
          });
        },
        async close() {},
      } as unknown as Connection;
      return { def, index: i, conn, root: conn, facts: facts[i]!, release: () => undefined, jumpHosts: [] };
    }),
  };
}
