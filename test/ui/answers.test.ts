import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { checkEndpoint, checkInterfaceName, checkKeepalive, checkSshTarget, checkTransferNet } from "../../src/core/fields.ts";
import type { PlannedFile } from "../../src/core/plan-types.ts";
import { answersFromFile, DEFAULT_ANSWERS, fieldProblems, siteOf } from "../../src/ui/answers.ts";
import { fileDiff } from "../../src/ui/file-diff.ts";
import { publicHostOf } from "../../src/ui/public-host.ts";
import { rerunCommand } from "../../src/ui/rerun.ts";
import { listSshAliases } from "../../src/ui/ssh-aliases.ts";
import { color } from "../../src/ui/theme.ts";
import { ALIASES, FILLED, SETTINGS } from "./helpers/fixtures.ts";

const message = (check: { ok: boolean; message?: string }) => (check.ok ? undefined : check.message);

test("each field is judged by the site file's own validator, message for message", () => {
  const answers = { ...FILLED, network: "10.10.9.0/29", iface0: "a-very-long-interface", keepalive: "-1", ssh1: "root@;rm", endpoint0: "" };
  const problems = fieldProblems(answers);
  assert.equal(problems.network, message(checkTransferNet("10.10.9.0/29")));
  assert.equal(problems.iface0, message(checkInterfaceName("a-very-long-interface")));
  assert.equal(problems.keepalive, message(checkKeepalive("-1")));
  assert.equal(problems.ssh1, message(checkSshTarget("root@;rm")));
  assert.equal(problems.endpoint0, message(checkEndpoint("")));
});

test("the reference answers have no problem and make the reference site", () => {
  assert.deepEqual(fieldProblems(FILLED), { savePath: "name the file to save the site in, e.g. ./alpha-beta.yaml" });
  const site = siteOf(FILLED);
  assert.ok(site.ok);
  assert.deepEqual(site.site.sites.map((s) => [s.name, s.interface, s.lan[0]!.text, s.endpoint.host, s.endpoint.port]), [
    ["alpha", "wgA", "10.10.10.0/24", "192.0.2.1", 51000],
    ["beta", "wgB", "10.10.11.0/24", "192.0.2.2", 51000],
  ]);
});

test("relations between answers land on the field to change, even before the later screens are answered", () => {
  const early = { ...DEFAULT_ANSWERS, lan1: "10.10.9.0/24" };
  assert.match(fieldProblems(early).lan1 ?? "", /overlaps the transfer net 10\.10\.9\.0\/31/);
  assert.match(fieldProblems({ ...FILLED, name1: "alpha" }).name1 ?? "", /both sites are named "alpha"/);
  assert.match(fieldProblems({ ...FILLED, ssh0: "root@10.10.11.5" }).ssh0 ?? "", /once the tunnel is up the SSH session would be routed into it/);
});

test("a site file pre-fills the answers; what it lacks keeps the defaults; mtu and firewall are kept", () => {
  const { answers, extras } = answersFromFile({
    tunnel: { network: "10.10.9.0/30", keepalive: 25, mtu: 1380, presharedKey: true },
    sites: { hq: { lan: ["10.1.0.0/16", "10.2.0.0/16"], endpoint: "vpn.example.net:51001", ssh: "ops@hq" }, branch: { lan: "10.3.0.0/16", endpoint: "198.51.100.7", interface: "wg9", ssh: "branch-gw" } },
    firewall: { restrictPort: false },
  });
  assert.deepEqual(answers, {
    ...DEFAULT_ANSWERS,
    name0: "hq",
    name1: "branch",
    lan0: "10.1.0.0/16, 10.2.0.0/16",
    lan1: "10.3.0.0/16",
    network: "10.10.9.0/30",
    keepalive: "25",
    psk: "on",
    ssh0: "ops@hq",
    ssh1: "branch-gw",
    endpoint0: "vpn.example.net:51001",
    endpoint1: "198.51.100.7",
    iface1: "wg9",
  });
  assert.deepEqual(extras, { mtu: 1380, firewall: { restrictPort: false } });
  const site = siteOf(answers, extras);
  assert.ok(site.ok);
  assert.equal(site.site.tunnel.mtu, 1380);
  assert.equal(site.site.firewall.restrictPort, false);
  assert.equal(site.site.sites[0].endpoint.port, 51001);
});

test("the IPv6 transfer net and MSS clamping, which the wizard does not ask about, are written back as they were", () => {
  const { answers, extras } = answersFromFile({
    tunnel: { network: "10.10.9.0/31", network6: "2001:db8:9::/127", clampMss: false },
    sites: { alpha: { lan: "10.10.10.0/24", endpoint: "192.0.2.1", ssh: "a" }, beta: { lan: "10.10.11.0/24", endpoint: "192.0.2.2", ssh: "b" } },
  });
  assert.deepEqual(extras, { network6: "2001:db8:9::/127", clampMss: false });
  const site = siteOf(answers, extras);
  assert.ok(site.ok);
  assert.equal(site.site.tunnel.network6?.text, "2001:db8:9::/127");
  assert.equal(site.site.tunnel.clampMss, false);
});

test("a malformed file pre-fills what it can", () => {
  assert.deepEqual(answersFromFile("not a mapping").answers, DEFAULT_ANSWERS);
  assert.equal(answersFromFile({ sites: { alpha: { lan: { a: 1 } } } }).answers.lan0, DEFAULT_ANSWERS.lan0);
  assert.equal(answersFromFile({ sites: { alpha: { lan: 7 } } }).answers.lan0, "7", "shown as written, for its validator to judge");
});

test("SSH config aliases: Host names without wildcards, with where they lead", () => {
  const dir = mkdtempSync(join(tmpdir(), "wgsite-aliases-"));
  const file = join(dir, "config");
  writeFileSync(file, ["Host alpha-gw a2", "  HostName 192.0.2.1", "  User root", "Host beta-gw", "  HostName 192.0.2.2", "  Port 2222", "  User ops", "Host *.corp !x gw?", "  User admin", "Host *", "  ServerAliveInterval 10", ""].join("\n"));
  assert.deepEqual(listSshAliases(file), [
    { name: "alpha-gw", hostName: "192.0.2.1", user: "root", port: 22 },
    { name: "a2", hostName: "192.0.2.1", user: "root", port: 22 },
    { name: "beta-gw", hostName: "192.0.2.2", user: "ops", port: 2222 },
  ]);
  assert.deepEqual(listSshAliases(join(dir, "missing")), []);
});

test("the endpoint defaults to the SSH host only when it is a public address", () => {
  assert.equal(publicHostOf("alpha-gw", ALIASES), "192.0.2.1");
  assert.equal(publicHostOf("root@203.0.113.9:2222", ALIASES), "203.0.113.9");
  assert.equal(publicHostOf("root@8.8.8.8", []), "8.8.8.8");
  assert.equal(publicHostOf("root@10.0.0.1", []), undefined);
  assert.equal(publicHostOf("root@100.64.1.1", []), undefined);
  assert.equal(publicHostOf("gw.example.net", []), undefined);
  assert.equal(publicHostOf("[fd00::1]", []), undefined);
});

test("a planned file as a diff: new, changed (with context), unchanged, unknown offline", () => {
  const file = (existing: string | undefined | null): PlannedFile => ({ path: "/etc/wireguard/wgA.conf", mode: "0600", owner: "root:root", content: "a\nb\nc\n", existing });
  assert.deepEqual(fileDiff(file(undefined)), { status: "new", lines: [{ kind: "add", text: "a" }, { kind: "add", text: "b" }, { kind: "add", text: "c" }] });
  assert.deepEqual(fileDiff(file("a\nB\nc\n")), {
    status: "changed",
    lines: [
      { kind: "context", text: "a" },
      { kind: "remove", text: "B" },
      { kind: "add", text: "b" },
      { kind: "context", text: "c" },
    ],
  });
  assert.deepEqual(fileDiff(file("a\nb\nc\n")), { status: "same", lines: [] });
  assert.equal(fileDiff(file(null)).status, "unknown");
});

test("the rerun command carries this run's SSH settings, quoted where needed", () => {
  assert.equal(rerunCommand("./alpha-beta.yaml", SETTINGS), "wgsite --non-interactive -c ./alpha-beta.yaml --ssh-config /lab/ssh_config");
  assert.equal(
    rerunCommand("my site.yaml", { ...SETTINGS, knownHosts: "/k", identity: "/id", verifyTimeoutSec: 60, rollback: false }),
    "wgsite --non-interactive -c 'my site.yaml' --ssh-config /lab/ssh_config --known-hosts /k -i /id --verify-timeout 60 --no-rollback",
  );
});

test("NO_COLOR turns every color off", () => {
  const saved = process.env.NO_COLOR;
  try {
    process.env.NO_COLOR = "1";
    assert.equal(color("bad"), undefined);
    process.env.NO_COLOR = "";
    assert.equal(color("bad"), "red");
  } finally {
    if (saved === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = saved;
  }
});
