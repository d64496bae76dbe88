import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A throwaway OpenSSH server on 127.0.0.1 with its own config and host key. */
export type TestSshd = {
  readonly port: number;
  readonly dir: string;
  /** `ssh-ed25519 AAAA...` of the server's host key. */
  readonly hostKeyLine: string;
  readonly hostKeyPath: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
};

export const SSHD = "/usr/sbin/sshd";
const WATCHDOG = `"$@" & pid=$!; read _; kill $pid; wait $pid`;

/**
 * Starts a long-running helper under a watchdog shell: when the test process
 * dies, however abruptly, the pipe on the shell's stdin closes and it kills
 * the helper, so no server outlives a crashed run. Stop it with stopProcess().
 */
export function spawnWatched(command: string, args: string[], stderr: "pipe" | "ignore" = "ignore"): ChildProcess {
  return spawn("sh", ["-c", WATCHDOG, "watchdog", command, ...args], { stdio: ["pipe", "ignore", stderr] });
}

export function tempDir(prefix = "wgsite-ssh-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Generates an ed25519 key pair and returns the private key's path. */
export function makeKey(dir: string, name: string, passphrase = ""): string {
  const path = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f", path]);
  return path;
}

export function publicKey(privatePath: string): string {
  return readFileSync(`${privatePath}.pub`, "utf8").trim();
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startSshd(opts: {
  authorizedKeys: string[];
  hostKeyPath?: string;
  extraConfig?: string;
}): Promise<TestSshd> {
  const dir = tempDir("wgsite-sshd-");
  // sshd refuses to start without its privilege separation directory.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const hostKeyPath = opts.hostKeyPath ?? makeKey(dir, "host_ed25519");
  writeFileSync(join(dir, "authorized_keys"), opts.authorizedKeys.join("\n") + "\n", { mode: 0o600 });
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const cfg = join(dir, "sshd_config");
    writeFileSync(cfg, [
      // sshd keeps the first value it reads, so overrides go first.
      opts.extraConfig ?? "",
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKeyPath}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "StrictModes no",
      "UsePAM no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PubkeyAuthentication yes",
      "PermitRootLogin yes",
      "AllowTcpForwarding yes",
      "LogLevel INFO",
    ].join("\n") + "\n");
    const child = spawnWatched(SSHD, ["-D", "-e", "-f", cfg], "pipe");
    let log = "";
    const listening = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      child.stderr!.on("data", (d: Buffer) => {
        log += d.toString();
        if (log.includes("Server listening")) { clearTimeout(timer); resolve(true); }
        if (log.includes("fatal:")) { clearTimeout(timer); resolve(false); }
      });
      child.once("exit", () => { clearTimeout(timer); resolve(false); });
    });
    if (listening) {
      // Keep draining so a chatty sshd never blocks on a full pipe.
      child.stderr!.resume();
      return {
        port,
        dir,
        hostKeyLine: publicKey(hostKeyPath).split(" ").slice(0, 2).join(" "),
        hostKeyPath,
        process: child,
        stop: () => stopProcess(child).then(() => rmSync(dir, { recursive: true, force: true })),
      };
    }
    await stopProcess(child);
    // Another process may have taken the port between freePort() and sshd's bind.
    if (attempt >= 3) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start: ${log.trim()}`);
    }
  }
}

/** Ends a child we started: a watchdog by closing its stdin, anything else by SIGTERM. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    if (child.stdin) child.stdin.end();
    else child.kill("SIGTERM");
  });
}
