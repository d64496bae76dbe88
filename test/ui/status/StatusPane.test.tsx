import assert from "node:assert/strict";
import { test } from "node:test";
import { Buffer } from "node:buffer";
import { gunzipSync } from "node:zlib";
import { render } from "ink-testing-library";
import type { HostFacts } from "../../../src/core/host-facts.ts";
import type { Connection, ExecResult } from "../../../src/remote/connection.ts";
import type { GatewaySession } from "../../../src/remote/gateways.ts";
import { StatusPane } from "../../../src/ui/status/StatusPane.tsx";
import type { Sessions } from "../../../src/ui/status/use-status-probes.ts";
import { captureSite, fixture } from "../../status/helpers.ts";
import { plain } from "./helpers.ts";

const site = captureSite();

type FakeGateway = { scripts: string[]; sent?: string[]; fail: boolean; closed: boolean };

/** The script as the gateway's shell sees it (after the first tick, ticks travel gzipped). */
function unpack(command: string): string {
  const packed = /^sh -c "\$\(printf %s ([A-Za-z0-9+/=]+) \| base64 -d \| gunzip\)"$/.exec(command);
  return packed ? gunzipSync(Buffer.from(packed[1]!, "base64")).toString("utf8") : command;
}

/** A connection that answers every tick with a real captured tick of that gateway. */
function fakeSession(index: 0 | 1, gw: FakeGateway): GatewaySession {
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

async function until(what: string, frame: () => string, ok: (f: string) => boolean, ms = 3000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = frame();
    if (ok(f)) return f;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last frame:\n${f}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("the pane probes both gateways, switches focus, refreshes, reconnects a dropped gateway and hands back its sessions on q", async () => {
  const gws: [FakeGateway, FakeGateway] = [
    { scripts: [], sent: [], fail: false, closed: false },
    { scripts: [], fail: false, closed: false },
  ];
  const replacement: FakeGateway = { scripts: [], fail: false, closed: false };
  const reconnects: string[] = [];
  let quitWith: Sessions | undefined;
  const sessions: Sessions = [fakeSession(0, gws[0]), fakeSession(1, gws[1])];
  const { lastFrame, stdin, unmount } = render(
    <StatusPane
      site={site}
      sessions={sessions}
      reconnect={async (previous) => {
        reconnects.push(previous.def.name);
        return fakeSession(previous.index, replacement);
      }}
      intervalSec={0.02}
      heavyEvery={1000}
      backoffMs={() => 30}
      columns={80}
      rows={60}
      onQuit={(s) => (quitWith = s)}
    />,
  );
  const frame = () => plain(lastFrame());
  try {
    await until("both gateways", frame, (f) => f.includes("matches beta") && f.includes("matches alpha"));
    // The first tick of each gateway is heavy; the next ones are light.
    assert.ok(gws[0].scripts[0]!.includes("-M do"));
    await until("a light tick", frame, () => gws[0].scripts.length >= 3);
    assert.ok(!gws[0].scripts[2]!.includes("-M do"));
    // The captured gateway has gunzip: after the first tick the script travels gzipped.
    assert.ok(!gws[0].sent![0]!.startsWith('sh -c "$(printf %s '));
    assert.ok(gws[0].sent![1]!.startsWith('sh -c "$(printf %s '));

    stdin.write("\t");
    await until("beta's fixes", frame, (f) => f.includes("✖ beta ip_forward: sysctl -w net.ipv4.ip_forward=1"));

    const before = gws[0].scripts.length;
    stdin.write("r");
    await until("a heavy tick after r", frame, () => gws[0].scripts.slice(before).some((s) => s.includes("-M do")));

    gws[1].fail = true;
    await until("reconnecting", frame, (f) => /beta wgB\s+reconnecting #1/.test(f));
    assert.ok(gws[1].closed, "the dead connection is closed");
    await until("beta back", frame, () => replacement.scripts.length > 0);
    await until("beta live", frame, (f) => /beta wgB\s+(● live|◌ full probe)/.test(f));
    assert.deepEqual(reconnects, ["beta"]);
    assert.ok(replacement.scripts[0]!.includes("-M do"), "the first tick after a reconnect is heavy");

    stdin.write("q");
    await until("quit", frame, () => quitWith !== undefined);
    assert.equal(quitWith![0], sessions[0]);
    assert.notEqual(quitWith![1], sessions[1]);
    assert.equal(quitWith![1].conn.label, "beta");
  } finally {
    unmount();
  }
});

test("a reconnect that keeps failing backs off and says so; the pane stays up", async () => {
  const gws: [FakeGateway, FakeGateway] = [
    { scripts: [], fail: false, closed: false },
    { scripts: [], fail: true, closed: false },
  ];
  let attempts = 0;
  const { lastFrame, unmount } = render(
    <StatusPane
      site={site}
      sessions={[fakeSession(0, gws[0]), fakeSession(1, gws[1])]}
      reconnect={async () => {
        attempts++;
        throw new Error("connect ECONNREFUSED 192.0.2.12:2222");
      }}
      intervalSec={0.02}
      backoffMs={(n) => n * 10}
      columns={80}
      rows={60}
    />,
  );
  try {
    const f = await until("third attempt", () => plain(lastFrame()), (x) => /reconnecting #3/.test(x));
    assert.match(f, /alpha 10\.10\.10\.0\/24 <-> beta 10\.10\.11\.0\/24: beta unreachable/);
    assert.ok(attempts >= 2);
  } finally {
    unmount();
  }
});
