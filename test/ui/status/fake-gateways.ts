import { Buffer } from "node:buffer";
import { gunzipSync } from "node:zlib";
import type { HostFacts } from "../../../src/core/host-facts.ts";
import type { Connection, ExecResult } from "../../../src/remote/connection.ts";
import type { GatewaySession } from "../../../src/remote/gateways.ts";
import { captureSite, fixture } from "../../status/helpers.ts";

const site = captureSite();

export type FakeGateway = { scripts: string[]; sent?: string[]; fail: boolean; closed: boolean };

/** The script as the gateway's shell sees it (after the first tick, ticks travel gzipped). */
function unpack(command: string): string {
  const packed = /^sh -c "\$\(printf %s ([A-Za-z0-9+/=]+) \| base64 -d \| gunzip\)"$/.exec(command);
  return packed ? gunzipSync(Buffer.from(packed[1]!, "base64")).toString("utf8") : command;
}

/** A connection that answers every tick with a real captured tick of that gateway. */
export function fakeSession(index: 0 | 1, gw: FakeGateway): GatewaySession {
  const name = index === 0 ? "alpha" : "beta";
  const conn: Connection = {
    label: name,
    stats: { roundTrips: 0, bytesIn: 0, bytesOut: 0, connections: 1 },
    async exec(command: string): Promise<ExecResult> {
      gw.scripts.push(unpack(command));
      gw.sent?.push(command);
      if (gw.fail) throw new Error("connection lost");
      const heavy = unpack(command).includes("@@wgsite-fact mtu'");
      return { stdout: fixture(`tick-${name}-${heavy || index === 1 ? "heavy" : "light"}.txt`), stderr: "", code: 0 };
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

