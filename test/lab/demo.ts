/**
 * `npm run demo`: two throwaway Debian gateways from the end-to-end lab, then the wizard, pre-filled
 * with their addresses and SSH settings, so pressing Enter through the defaults builds a verified
 * tunnel. Quitting the wizard (or Ctrl-C, or an error) tears the lab down. Needs root on Debian.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLab, labSkipReason, type Lab } from "./lab.ts";

const CLI = fileURLToPath(new URL("../../src/cli.tsx", import.meta.url));

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Runs the wizard where an operator would sit: inside the lab's operator network namespace. */
function wizard(lab: Lab, siteFile: string): Promise<number> {
  const args = ["netns", "exec", lab.operatorNs, process.execPath, CLI, "-c", siteFile, "--ssh-config", lab.sshConfigFile, "--known-hosts", lab.knownHostsFile];
  const child = spawn("ip", args, {
    cwd: lab.dir,
    stdio: "inherit",
    // beta's operator is a sudo user with a password; handing it over keeps Enter-through-defaults working.
    env: { ...process.env, WGSITE_SUDO_PASSWORD_BETA: lab.gateways.beta.sudoPassword ?? "" },
  });
  // lab.ts exits on these signals after tearing down; the wizard must not outlive the gateways.
  for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) process.prependListener(signal, () => child.kill("SIGTERM"));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function main(): Promise<number> {
  const reason = labSkipReason();
  if (reason) {
    say(`The demo builds two gateways with the end-to-end lab, which cannot run here: ${reason}.`);
    return 2;
  }
  if (!process.stdin.isTTY) {
    say("The demo opens the wizard, which needs a terminal: run `npm run demo` in one.");
    return 2;
  }
  say("Building two throwaway gateways (alpha and beta, bare Debian 12). The first run builds the image and takes a few minutes…");
  const lab = await createLab({ log: (line) => say(`  ${line}`) });
  try {
    const siteFile = join(lab.dir, "demo-site.yaml");
    writeFileSync(siteFile, lab.siteYaml());
    const g = lab.gateways;
    say("");
    say(`Gateways up: alpha ${g.alpha.sshUser}@${g.alpha.publicIp}:${g.alpha.sshPort} (LAN ${g.alpha.lanCidr}), beta ${g.beta.sshUser}@${g.beta.publicIp}:${g.beta.sshPort} (LAN ${g.beta.lanCidr}).`);
    say(`beta's sudo password (${g.beta.sudoPassword}) is passed as WGSITE_SUDO_PASSWORD_BETA. Press Enter through the wizard; quitting it removes the lab.`);
    await new Promise((r) => setTimeout(r, 1500));
    const code = await wizard(lab, siteFile);
    say(`The wizard exited with ${code}. Removing the lab…`);
    return code;
  } finally {
    await lab.teardown();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`demo failed: ${(error as Error)?.stack ?? String(error)}`);
    process.exit(1);
  },
);
