import assert from "node:assert/strict";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { routesToText, sshRoute } from "../../src/remote/ssh/route.ts";
import { resolveTarget } from "../../src/remote/ssh/target.ts";
import { runCli } from "../helpers/run-cli.ts";
import { tempDir } from "./helpers/sshd.ts";

const dir = tempDir("wgsite-route-");
after(() => rmSync(dir, { recursive: true, force: true }));

const config = join(dir, "ssh_config");
writeFileSync(config, [
  "Host gw-alpha", "  HostName 192.0.2.1", "  User root", "  IdentityFile ~/.ssh/id_alpha", "  IdentitiesOnly yes",
  "  HostKeyAlias alpha.example", `  IdentityAgent ${dir}/agent.sock`, "  StrictHostKeyChecking accept-new",
  "Host gw-beta", "  HostName 198.51.100.7", "  Port 2222", "  User ops", "  ProxyJump jump",
  "  UserKnownHostsFile ~/.ssh/known_hosts_beta", "  GlobalKnownHostsFile none",
  "Host jump", "  HostName 203.0.113.9", "  User hop",
  "Host gw-proxied", "  HostName 10.10.11.1", "  ProxyCommand ssh -W %h:%p jump",
].join("\n") + "\n");
const site = join(dir, "site.yaml");
writeFileSync(site, readFileSync(new URL("../../examples/alpha-beta.yaml", import.meta.url), "utf8")
  .replace("ssh: root@192.0.2.1", "ssh: gw-alpha").replace("ssh: ops@198.51.100.7:2222", "ssh: gw-beta"));

test("the route of each gateway: host, user, identities, agent, jumps or proxy, known_hosts, alias, resolver", () => {
  const text = routesToText([
    sshRoute("alpha", resolveTarget("gw-alpha", { sshConfigFile: config }), {}),
    sshRoute("beta", resolveTarget("gw-beta", { sshConfigFile: config }), { SSH_AUTH_SOCK: "/run/user/0/agent" }),
    sshRoute("gamma", resolveTarget("gw-proxied", { sshConfigFile: config }), {}),
  ]);
  assert.equal(text, [
    "SSH routes (resolved, nothing connected):",
    "  alpha: root@192.0.2.1:22   (gw-alpha, read by ssh -G)",
    "    identities     ~/.ssh/id_alpha (IdentitiesOnly)",
    `    agent          IdentityAgent ${dir}/agent.sock`,
    "    known_hosts    ~/.ssh/known_hosts, ~/.ssh/known_hosts2; global /etc/ssh/ssh_known_hosts, /etc/ssh/ssh_known_hosts2",
    "    host key       looked up as alpha.example (HostKeyAlias); StrictHostKeyChecking accept-new",
    "  beta: ops@198.51.100.7:2222   (gw-beta, read by ssh -G)",
    "    jump hosts     hop@203.0.113.9:22",
    "    identities     ~/.ssh/id_rsa, ~/.ssh/id_ecdsa, ~/.ssh/id_ecdsa_sk, ~/.ssh/id_ed25519, ~/.ssh/id_ed25519_sk, ~/.ssh/id_xmss, ~/.ssh/id_dsa",
    "    agent          SSH_AUTH_SOCK /run/user/0/agent",
    "    known_hosts    ~/.ssh/known_hosts_beta; global none",
    "    host key       looked up as [198.51.100.7]:2222; StrictHostKeyChecking ask",
    "  gamma: root@10.10.11.1:22   (gw-proxied, read by ssh -G)",
    "    proxy command  ssh -W 10.10.11.1:22 jump",
    "    identities     ~/.ssh/id_rsa, ~/.ssh/id_ecdsa, ~/.ssh/id_ecdsa_sk, ~/.ssh/id_ed25519, ~/.ssh/id_ed25519_sk, ~/.ssh/id_xmss, ~/.ssh/id_dsa",
    "    agent          SSH_AUTH_SOCK (not set)",
    "    known_hosts    ~/.ssh/known_hosts, ~/.ssh/known_hosts2; global /etc/ssh/ssh_known_hosts, /etc/ssh/ssh_known_hosts2",
    "    host key       looked up as 10.10.11.1; StrictHostKeyChecking ask",
    "",
  ].join("\n").replaceAll("root@10.10.11.1", `${process.getuid?.() === 0 ? "root" : process.env.USER}@10.10.11.1`));
});

test("plan --offline prints the routes after the plan; --json adds them under \"ssh\"; nothing connects", () => {
  const r = runCli(["plan", "--offline", "-c", site, "--ssh-config", config], { env: { SSH_AUTH_SOCK: "" } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\[Interface\][^]*SSH routes \(resolved, nothing connected\):\n {2}alpha: root@192\.0\.2\.1:22 {3}\(gw-alpha, read by ssh -G\)\n/);
  assert.match(r.stdout, /beta: ops@198\.51\.100\.7:2222[^]*jump hosts {5}hop@203\.0\.113\.9:22/);
  const json = JSON.parse(runCli(["plan", "--offline", "--json", "-c", site, "--ssh-config", config], { env: { SSH_AUTH_SOCK: "" } }).stdout) as {
    gateways: unknown[]; ssh: { site: string; host: string; port: number; user: string; resolver: string; jumps: { host: string }[]; hostKeyName: string; agent: { from: string } }[];
  };
  assert.equal(json.gateways.length, 2);
  assert.deepEqual(json.ssh.map((s) => [s.site, s.user, s.host, s.port, s.resolver, s.hostKeyName]), [
    ["alpha", "root", "192.0.2.1", 22, "ssh -G", "alpha.example"],
    ["beta", "ops", "198.51.100.7", 2222, "ssh -G", "[198.51.100.7]:2222"],
  ]);
  assert.deepEqual(json.ssh[1]!.jumps.map((j) => j.host), ["203.0.113.9"]);
  assert.equal(json.ssh[0]!.agent.from, "IdentityAgent");
});

test("without OpenSSH: the built-in parser is named, with what it lacks", () => {
  const r = runCli(["plan", "--offline", "-c", site, "--ssh-config", config], { env: { WGSITE_SSH: "none" } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /alpha: root@192\.0\.2\.1:22 {3}\(gw-alpha, read by wgsite's built-in parser\)/);
  assert.match(r.stdout, /note: no OpenSSH client \(ssh\) found, so wgsite read the ssh config with its own parser, which lacks: Match blocks other than host\/user/);
});

test("a config OpenSSH rejects: exit 2 naming the site and OpenSSH's complaint", () => {
  const bad = join(dir, "bad_config");
  writeFileSync(bad, "Host gw-alpha\n  Frobnicate yes\n");
  const r = runCli(["plan", "--offline", "-c", site, "--ssh-config", bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /sites\.alpha\.ssh: OpenSSH rejects the ssh config for "gw-alpha": .*Bad configuration option: frobnicate/);
});

test("one ssh -G per target per run, also when a target is a jump host of another", () => {
  const log = join(dir, "ssh-calls");
  const wrapper = join(dir, "ssh-wrapper");
  writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> ${log}\nexec ssh "$@"\n`);
  chmodSync(wrapper, 0o755);
  const cfg = join(dir, "cache_config");
  writeFileSync(cfg, "Host cached-gw\n  ProxyJump cached-jump\n");
  const before = process.env.WGSITE_SSH;
  process.env.WGSITE_SSH = wrapper;
  try {
    resolveTarget("cached-gw", { sshConfigFile: cfg });
    resolveTarget("cached-gw", { sshConfigFile: cfg });
    resolveTarget("cached-jump", { sshConfigFile: cfg });
  } finally {
    if (before === undefined) delete process.env.WGSITE_SSH;
    else process.env.WGSITE_SSH = before;
  }
  assert.deepEqual(readFileSync(log, "utf8").trim().split("\n"), [`-G -F ${cfg} -- cached-gw`, `-G -F ${cfg} -- cached-jump`]);
});
