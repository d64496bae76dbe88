/**
 * The other Linux families, rendered from their facts (test/fixtures/facts/families, hand-written in
 * the real outputs' formats: see its README): the install command and package names, how the service
 * is run, and a package the enabled repositories lack refused with the repository to enable.
 * Only the Debian gateways run end to end (test/e2e/matrix.e2e.test.ts).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { HostFacts } from "../../src/core/host-facts.ts";
import { loadSite } from "../../src/core/load-site.ts";
import { plan } from "../../src/core/plan.ts";
import { precheck } from "../../src/core/prechecks.ts";
import type { Site } from "../../src/core/site.ts";
import { opsShell } from "../../src/remote/ops-shell.ts";
import { familyFacts, familyNames } from "../helpers/family-facts.ts";

function site(): Site {
  const result = loadSite(readFileSync(new URL("../../examples/alpha-beta.yaml", import.meta.url), "utf8"));
  if (!result.ok) throw new Error("example invalid");
  return result.site;
}
const fresh = JSON.parse(readFileSync(new URL("../fixtures/facts/fresh-debian.json", import.meta.url), "utf8")) as HostFacts;
const freshBeta: HostFacts = { ...fresh, connected: [{ dev: "host0", address: "192.0.2.2", cidr: "192.0.2.2/24" }, { dev: "lan0", address: "10.10.11.1", cidr: "10.10.11.1/24" }] };

function pairOf(name: string): [HostFacts, HostFacts] {
  return [familyFacts(name, fresh), familyFacts(name, freshBeta)];
}

type Expect = { install: string; unit: string; serviceScript?: string; reason?: string };

const EXPECTED: Record<string, Expect> = {
  "alpine-3.20": {
    install: "apk add -q wireguard-tools wireguard-tools-openrc",
    unit: "{ rc-update show default 2>/dev/null | grep -q '^ *wg-quick.wgA |' || rc-update add wg-quick.wgA default >/dev/null; } && { rc-service wg-quick.wgA status >/dev/null 2>&1 || rc-service wg-quick.wgA start 9>&-; }",
    serviceScript: "{ ln -sfn wg-quick /etc/init.d/wg-quick.wgA\n}",
  },
  arch: { install: "pacman -Sy --noconfirm --needed wireguard-tools", unit: "systemctl enable -q --now wg-quick@wgA" },
  "debian12-lab-openrc": {
    install: "export DEBIAN_FRONTEND=noninteractive; apt-get -q -o DPkg::Lock::Timeout=120 update >/dev/null && apt-get -q -y -o DPkg::Lock::Timeout=120 install --no-install-recommends wireguard-tools wireguard-go",
    unit: "{ rc-update show default 2>/dev/null | grep -q '^ *wg-quick.wgA |' || rc-update add wg-quick.wgA default >/dev/null; } && { rc-service wg-quick.wgA status >/dev/null 2>&1 || rc-service wg-quick.wgA start 9>&-; }",
    serviceScript: "/etc/init.d/wg-quick",
    reason: "the kernel has no WireGuard module: wg-quick will use wireguard-go",
  },
  "fedora-40": { install: "dnf -y -q install wireguard-tools", unit: "systemctl enable -q --now wg-quick@wgA" },
  "opensuse-leap-15.6": { install: "zypper --non-interactive install wireguard-tools", unit: "systemctl enable -q --now wg-quick@wgA" },
  "rocky-8-no-epel": { install: "dnf -y -q install wireguard-tools", unit: "systemctl enable -q --now wg-quick@wgA" },
  "rocky-9": { install: "dnf -y -q install wireguard-tools", unit: "systemctl enable -q --now wg-quick@wgA" },
  "ubuntu-24.04": {
    install: "export DEBIAN_FRONTEND=noninteractive; apt-get -q -o DPkg::Lock::Timeout=120 update >/dev/null && apt-get -q -y -o DPkg::Lock::Timeout=120 install --no-install-recommends wireguard-tools",
    unit: "systemctl enable -q --now wg-quick@wgA",
  },
};

test("every family file has its expectations here, and each reads as its system", () => {
  assert.deepEqual(familyNames(), Object.keys(EXPECTED).sort());
  const [alpine] = pairOf("alpine-3.20");
  assert.deepEqual([alpine.os.id, alpine.packageManager, alpine.init, alpine.kernelWireguard], ["alpine", "apk", "openrc", true]);
  const [rocky] = pairOf("rocky-8-no-epel");
  assert.deepEqual([rocky.os.id, rocky.os.idLike, rocky.os.versionId, rocky.packageManager], ["rocky", ["rhel", "centos", "fedora"], "8.10", "dnf"]);
  assert.deepEqual(rocky.wireguardPackages, { available: [], missing: ["wireguard-tools", "wireguard-go"], repos: ["appstream", "baseos", "extras"] });
});

for (const name of Object.keys(EXPECTED)) {
  const want = EXPECTED[name]!;
  test(`${name}: install command, package names and the service, from its facts`, () => {
    const p = plan({ site: site(), facts: pairOf(name), runId: "R1" });
    const gp = p.gateways[0];
    const step = (id: string) => gp.steps.find((s) => s.id === id);
    assert.equal(opsShell(step("install")!.ops, { runId: "R1" }), `{ ${want.install}\n}`);
    assert.equal(step("install")!.reason, want.reason ?? "the kernel has the WireGuard module: wg-quick uses it (no wireguard-go)", "wireguard-go only where the kernel has no module, and said so");
    assert.equal(gp.init, name === "alpine-3.20" || name === "debian12-lab-openrc" ? "openrc" : "systemd");
    assert.equal(opsShell(step("unit")!.ops, { runId: "R1" }), `{ ${want.unit}\n}`);
    const script = step("service-script");
    if (want.serviceScript === undefined) assert.equal(script, undefined, "systemd: wireguard-tools ships wg-quick@.service");
    else assert.ok(opsShell(script!.ops, { runId: "R1" }).includes(want.serviceScript), opsShell(script!.ops, { runId: "R1" }).slice(0, 200));
  });
}

test("Alpine: its package's OpenRC script (wireguard-tools-openrc) is installed, wgsite writes only the interface's symlink", () => {
  const gp = plan({ site: site(), facts: pairOf("alpine-3.20"), runId: "R1" }).gateways[0];
  const script = gp.steps.find((s) => s.id === "service-script")!;
  assert.deepEqual(script.ops, [{ op: "run", sh: "ln -sfn wg-quick /etc/init.d/wg-quick.wgA" }]);
  assert.deepEqual(script.undo, [{ op: "remove", paths: ["/etc/init.d/wg-quick.wgA"] }]);
});

test("Rocky 8 without EPEL: wireguard-tools is missing, refused before any change with the repository to enable", () => {
  const problems = precheck(site(), pairOf("rocky-8-no-epel"));
  assert.deepEqual(problems.map((p) => p.path), ["sites.alpha", "sites.beta"]);
  assert.equal(
    problems[0]!.message,
    "wireguard-tools is not in the enabled repositories of alpha's gateway (Rocky Linux 8.10 (Green Obsidian)); enable EPEL (dnf install epel-release; dnf config-manager --set-enabled powertools), and run wgsite again",
  );
});

test("Rocky 9: wireguard-tools from AppStream, the kernel module; no wireguard-go needed, so its absence is no refusal", () => {
  assert.deepEqual(precheck(site(), pairOf("rocky-9")), []);
});

test("the other families are not refused", () => {
  for (const name of familyNames().filter((n) => n !== "rocky-8-no-epel")) assert.deepEqual(precheck(site(), pairOf(name)), [], name);
});
