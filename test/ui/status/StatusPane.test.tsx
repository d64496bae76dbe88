import assert from "node:assert/strict";
import { test } from "node:test";
import { render } from "ink-testing-library";
import { StatusPane } from "../../../src/ui/status/StatusPane.tsx";
import type { Sessions } from "../../../src/ui/status/use-status-probes.ts";
import { captureSite } from "../../status/helpers.ts";
import { fakeGateway, fakeSession, until, type FakeGateway } from "./fake-gateways.ts";
import { plain } from "./helpers.ts";

const site = captureSite();

test("the pane probes both gateways, switches focus, refreshes, reconnects a dropped gateway and hands back its sessions on q", async () => {
  const gws: [FakeGateway, FakeGateway] = [
    fakeGateway(),
    fakeGateway(),
  ];
  const replacement: FakeGateway = fakeGateway();
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
    // One probe command per gateway for the whole pane; the first tick is heavy, the next ones light.
    assert.equal(gws[0].scripts.length, 1);
    assert.match(gws[0].scripts[0]!, /^light\(\) \{$/m);
    assert.match(gws[0].ticks[0]!, /^H none none$/);
    await until("a light tick", frame, () => gws[0].ticks.length >= 3);
    assert.match(gws[0].ticks[2]!, /^L \d+-\d+ \d+-\d+$/, "the sections it already has are asked for by checksum");
    assert.equal(gws[0].scripts.length, 1);

    stdin.write("\t");
    await until("beta's fixes", frame, (f) => f.includes("✖ beta ip_forward: sysctl -w net.ipv4.ip_forward=1"));

    const before = gws[0].ticks.length;
    stdin.write("r");
    await until("a heavy tick after r", frame, () => gws[0].ticks.slice(before).some((t) => t.startsWith("H")));

    gws[1].fail = true;
    await until("reconnecting", frame, (f) => /beta wgB\s+reconnecting #1/.test(f));
    assert.ok(gws[1].closed, "the dead connection is closed");
    await until("beta back", frame, () => replacement.ticks.length > 0);
    await until("beta live", frame, (f) => /beta wgB\s+(● live|◌ full probe)/.test(f));
    assert.deepEqual(reconnects, ["beta"]);
    assert.ok(replacement.ticks[0]!.startsWith("H "), "the first tick after a reconnect is heavy");

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
    fakeGateway(),
    { ...fakeGateway(), fail: true },
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
