/**
 * The main flows on every gateway OS pair of os-matrix.ts, the pairs' labs side by side: apply,
 * rerun (nothing changes), status, reboot of both gateways (the tunnel comes back by itself),
 * remove (exactly what wgsite made goes, an OpenRC script it installed too). Each test runs its
 * flow on all pairs at once and names the pairs that failed; the time each pair took is printed.
 *
 *   WGSITE_E2E_PAIRS=openrc bun test test/e2e/matrix.e2e.test.ts      (root; skips otherwise)
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createLab, labSkipReason, type Lab, type Site } from "../lab/lab.ts";
import { selectedPairs, type OsPair } from "./os-matrix.ts";
import { eventually, labSite, wgsite } from "./run-wgsite.ts";

const skip = labSkipReason();
const MIN = 60_000;
const SITES: Site[] = ["alpha", "beta"];
const IFACE: Record<Site, string> = { alpha: "wgA", beta: "wgB" };

type Run = { pair: OsPair; lab: Lab; site: string; ms: Record<string, number> };
let runs: Run[] = [];

type Report = { ok: boolean; gateways: { site: string; changed: boolean; steps: { id: string; status: string }[]; checks: { id: string; ok: boolean; warning?: boolean; detail?: string }[] }[] };
type StatusDoc = { gateways: { site: string; checks: { id: string; status: string; detail: string }[] }[] };

/** Runs fn on every pair at once; fails with each failing pair's name and error. */
async function eachPair(flow: string, fn: (run: Run) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(
    runs.map(async (run) => {
      const t = performance.now();
      await fn(run);
      run.ms[flow] = Math.round(performance.now() - t);
    }),
  );
  const failed = results.flatMap((r, i) => (r.status === "rejected" ? [`${runs[i]!.pair.name}: ${(r.reason as Error).stack ?? r.reason}`] : []));
  assert.deepEqual(failed, [], failed.join("\n\n"));
}

const init = (run: Run, site: Site) => run.lab.gateways[site].os.init;
const serviceEnabled = (run: Run, site: Site) =>
  init(run, site) === "openrc"
    ? `rc-update show default | grep -q '^ *wg-quick.${IFACE[site]} |' && echo enabled || echo disabled`
    : `systemctl is-enabled wg-quick@${IFACE[site]} || true`;
const pingable = (lab: Lab, from: Site, to: string) => async () => (await lab.inNs(lab.lanHosts[from].ns, ["ping", "-c1", "-W1", to])).code === 0;

async function bothWays(lab: Lab, ms: number) {
  assert.ok(await eventually(pingable(lab, "alpha", lab.lanHosts.beta.ip), ms), "alpha LAN does not reach beta LAN");
  assert.ok(await eventually(pingable(lab, "beta", lab.lanHosts.alpha.ip), ms), "beta LAN does not reach alpha LAN");
}

before(
  async () => {
    if (skip) return;
    const pairs = selectedPairs();
    const t = performance.now();
    runs = await Promise.all(
      pairs.map(async (pair) => {
        const t0 = performance.now();
        const lab = await createLab({ os: pair.os, log: (s) => console.error(`[${pair.name}] ${s}`) });
        const site = join(lab.dir, "site.yaml");
        writeFileSync(site, labSite(lab));
        return { pair, lab, site, ms: { lab: Math.round(performance.now() - t0) } };
      }),
    );
    console.error(`[matrix] ${runs.length} labs up in ${Math.round(performance.now() - t)} ms`);
  },
  { timeout: 25 * MIN },
);

after(
  async () => {
    for (const run of runs) console.error(`[matrix] ${run.pair.name} (${run.pair.title}): ${JSON.stringify(run.ms)}, flows ${Object.entries(run.ms).filter(([k]) => k !== "lab").reduce((s, [, v]) => s + v, 0)} ms`);
    await Promise.all(runs.map((r) => r.lab.teardown()));
  },
  { timeout: 3 * MIN },
);

test("the gateways run the OS the pair names", { skip }, async () => {
  await eachPair("os", async ({ pair, lab }) => {
    for (const site of SITES) {
      const os = lab.gateways[site].os;
      const r = await lab.ssh(site, ". /etc/os-release; echo $VERSION_ID; cat /proc/1/comm");
      assert.equal(r.stdout, `${os.suite === "trixie" ? "13" : "12"}\n${os.init === "openrc" ? "init" : "systemd"}\n`, `${pair.name} ${site}`);
    }
  });
});

test("apply takes both bare gateways to a verified tunnel", { skip, timeout: 8 * MIN }, async () => {
  await eachPair("apply", async (run) => {
    const { lab, site } = run;
    for (const side of SITES) await lab.inNs(lab.lanHosts[side].ns, ["ping", "-c1", "-W1", lab.gateways[side].lanIp]);
    const r = await wgsite(lab, ["--non-interactive", "-c", site, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.ok(report.ok, r.stderr);
    assert.deepEqual(report.gateways.map((g) => g.changed), [true, true]);
    for (const g of report.gateways) assert.deepEqual(g.checks.filter((c) => !c.ok && !c.warning), [], `${g.site} checks`);
    for (const side of SITES) {
      const g = report.gateways.find((x) => x.site === side)!;
      assert.equal(g.steps.some((s) => s.id === "service-script"), init(run, side) === "openrc", `${side}: wgsite installs an OpenRC script exactly where there is none`);
      assert.equal((await lab.inGateway(side, serviceEnabled(run, side))).stdout.trim(), "enabled");
    }
    await bothWays(lab, 10_000);
  });
});

test("a rerun changes nothing", { skip, timeout: 5 * MIN }, async () => {
  await eachPair("rerun", async ({ lab, site }) => {
    const r = await wgsite(lab, ["--non-interactive", "-c", site, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.deepEqual(report.gateways.map((g) => g.changed), [false, false]);
    assert.ok(report.gateways.every((g) => g.steps.every((s) => s.status === "unchanged")), r.stderr);
    assert.match(r.stderr, /Nothing to change/);
  });
});

test("status: every check green", { skip, timeout: 5 * MIN }, async () => {
  await eachPair("status", async ({ lab, site }) => {
    const r = await wgsite(lab, ["status", "-c", site, "--once", "--json"]);
    const doc = JSON.parse(r.stdout) as StatusDoc;
    const red = doc.gateways.flatMap((g) => g.checks.filter((c) => c.status === "red").map((c) => `${g.site} ${c.id}: ${c.detail}`));
    assert.deepEqual(red, []);
    assert.equal(r.code, 0, r.stderr);
  });
});

test("rebooting both gateways brings the tunnel back by itself", { skip, timeout: 8 * MIN }, async () => {
  await eachPair("reboot", async ({ lab }) => {
    await Promise.all(SITES.map((s) => lab.restartGateway(s)));
    await bothWays(lab, 45_000);
    for (const side of SITES) assert.equal((await lab.inGateway(side, "sysctl -n net.ipv4.ip_forward")).stdout.trim(), "1", `${side}: forwarding persisted`);
  });
});

test("remove undoes exactly what wgsite did; a second remove is a no-op", { skip, timeout: 5 * MIN }, async () => {
  await eachPair("remove", async (run) => {
    const { lab, site } = run;
    const r = await wgsite(lab, ["remove", "-c", site]);
    assert.equal(r.code, 0, r.stderr);
    for (const side of SITES) {
      const left = await lab.inGateway(side, "ls /etc/wireguard; ls /var/lib/wgsite 2>/dev/null; ls /etc/sysctl.d | grep -c wgsite; ls /etc/init.d | grep -c wg-quick; ip link show " + IFACE[side] + " 2>/dev/null | wc -l");
      assert.equal(left.stdout, "0\n0\n0\n", `${side} after remove`);
      assert.equal((await lab.inGateway(side, serviceEnabled(run, side))).stdout.trim(), "disabled");
      assert.equal((await lab.inGateway(side, "sysctl -n net.ipv4.ip_forward")).stdout.trim(), "0");
    }
    const again = await wgsite(lab, ["remove", "-c", site]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Nothing to remove/);
  });
});
