import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/run-cli.ts";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

test("--help prints usage with the exit codes, exit 0", () => {
  const r = runCli(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: wgsite/);
  assert.match(r.stdout, /Exit codes: 0 success, 1 failure on a gateway, 2 invalid input or usage/);
});

test("--version prints the package version", () => {
  const r = runCli(["--version"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `wgsite ${pkg.version}\n`);
});

test("unknown flag: usage on stderr, exit 2", () => {
  const r = runCli(["--frobnicate"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /frobnicate/);
  assert.match(r.stderr, /Usage: wgsite/);
  assert.equal(r.stdout, "");
});

test("unknown command: exit 2", () => {
  const r = runCli(["deploy", "-c", "examples/alpha-beta.yaml"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command "deploy"/);
});

test("plan --offline prints the two reference configs", () => {
  const r = runCli(["plan", "--offline", "-c", "examples/alpha-beta.yaml"]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes("[Interface]\nPostUp = wg set %i private-key /etc/wireguard/%i.key\nAddress = 10.10.9.0/31\nListenPort = 51000\n\n[Peer]\n# beta site\nPublicKey = <beta public key>\nAllowedIPs = 10.10.11.0/24,10.10.9.0/31\nEndpoint = 198.51.100.7:51000\n"));
  assert.ok(r.stdout.includes("Address = 10.10.9.1/31"));
  assert.ok(r.stdout.includes("# alpha site\nPublicKey = <alpha public key>\nAllowedIPs = 10.10.10.0/24,10.10.9.0/31\nEndpoint = 192.0.2.1:51000\n"));
});

test("plan --offline --json prints one object with gateways, files and steps", () => {
  const r = runCli(["plan", "--offline", "--json", "-c", "examples/alpha-beta.yaml"]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { gateways: { site: string; interface: string; files: { path: string; mode: string; content: string }[]; steps: { id: string; title: string }[] }[] };
  assert.deepEqual(json.gateways.map((g) => [g.site, g.interface]), [["alpha", "wgA"], ["beta", "wgB"]]);
  assert.equal(json.gateways[1]!.files[0]!.path, "/etc/wireguard/wgB.conf");
  assert.ok(json.gateways[0]!.steps.length >= 4);
});

test("invalid site file: every problem listed, exit 2", () => {
  const dir = mkdtempSync(join(tmpdir(), "wgsite-cli-"));
  const file = join(dir, "bad.yaml");
  writeFileSync(file, readFileSync("examples/alpha-beta.yaml", "utf8").replace("10.10.11.0/24]", "10.10.11.5/24]").replace("port: 51000", "port: 0"));
  const r = runCli(["plan", "--offline", "-c", file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /sites\.beta\.lan\[0\]: 10\.10\.11\.5\/24 has host bits set; use 10\.10\.11\.0\/24/);
  assert.match(r.stderr, /tunnel\.port: 0 is not a port/);
});

test("missing site file: exit 2 naming the path", () => {
  const r = runCli(["plan", "--offline", "-c", "/nonexistent/site.yaml"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\/nonexistent\/site\.yaml: cannot read the site file/);
});

test("apply without -c: exit 2", () => {
  const r = runCli(["apply"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs the site file: -c FILE/);
});

test("apply without a terminal and without --yes: exit 2 with the way to run it", () => {
  const r = runCli(["apply", "-c", "examples/alpha-beta.yaml"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--yes|--non-interactive/);
});
