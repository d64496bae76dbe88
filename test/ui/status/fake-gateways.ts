import type { HostFacts } from "../../../src/core/host-facts.ts";
import type { Connection, ExecOptions, ExecResult } from "../../../src/remote/connection.ts";
import type { GatewaySession } from "../../../src/remote/gateways.ts";
import { captureSite, fixture } from "../../status/helpers.ts";

const site = captureSite();

/**
 * A gateway as the pane's probes see it: `scripts` are the commands it was sent, `ticks` the request
 * lines of the probe loop ("L ..." or "H ..."). `fail` makes the next tick lose the connection.
 */
export type FakeGateway = { scripts: string[]; ticks: string[]; fail: boolean; closed: boolean };

export const fakeGateway = (): FakeGateway => ({ scripts: [], ticks: [], fail: false, closed: false });

/** A connection whose probe loop answers every tick with a real captured tick of that gateway. */
export function fakeSession(index: 0 | 1, gw: FakeGateway): GatewaySession {
  const name = index === 0 ? "alpha" : "beta";
  const answer = (heavy: boolean) => fixture(`tick-${name}-${heavy || index === 1 ? "heavy" : "light"}.txt`);
  const conn: Connection = {
    label: name,
    stats: { roundTrips: 0, bytesIn: 0, bytesOut: 0, connections: 1 },
    exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
      gw.scripts.push(command);
      if (gw.fail) return Promise.reject(new Error("connection lost"));
      if (!options.feedStdin) return Promise.resolve({ stdout: answer(command.includes("@@wgsite-fact mtu'")), stderr: "", code: 0 });
      return new Promise((resolve, reject) => {
        void options.holdStdin?.then(() => resolve({ stdout: "", stderr: "", code: 0 }));
        options.feedStdin!((text) => {
          for (const line of text.split("\n").filter(Boolean)) {
            gw.ticks.push(line);
            setTimeout(() => (gw.fail ? reject(new Error("connection lost")) : options.onStdout?.(`${answer(line.startsWith("H"))}\n@@wgsite-tick-end\n`)), 1);
          }
        });
      });
    },
    async close() {
      gw.closed = true;
    },
  };
  const lan = index === 0 ? { dev: "lan0", address: "10.10.10.1", cidr: "10.10.10.1/24" } : { dev: "lan0", address: "10.10.11.1", cidr: "10.10.11.1/24" };
  return { def: site.sites[index], index, conn, root: conn, facts: { connected: [lan] } as unknown as HostFacts, release: () => undefined, jumpHosts: [] };
}

export async function until(what: string, frame: () => string, ok: (f: string) => boolean, ms = 3000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = frame();
    if (ok(f)) return f;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last frame:\n${f}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

