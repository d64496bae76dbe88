import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Connection } from "../../src/remote/connection.ts";
import { RootShell, rootShellLoop } from "../../src/remote/root-shell.ts";

/** The loop run by a local sh, as the held facts command runs it on a gateway. */
function localShell(chunkSize?: number) {
  const dir = mkdtempSync(join(tmpdir(), "wgsite-shell-"));
  const child = spawn("sh", ["-c", rootShellLoop("n0nce", dir)], { stdio: ["pipe", "pipe", "inherit"] });
  const conn: Connection = {
    label: "alpha",
    exec: () => Promise.reject(new Error("not used")),
    close: async () => void child.stdin.end(),
    stats: { roundTrips: 1, bytesIn: 0, bytesOut: 0, connections: 1 },
  };
  const shell = new RootShell(conn, "n0nce");
  shell.attach((text) => child.stdin.write(text));
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    // Deliver in small pieces too: a marker split across chunks must still be found.
    if (!chunkSize) return shell.receive(chunk);
    for (let i = 0; i < chunk.length; i += chunkSize) shell.receive(chunk.slice(i, i + chunkSize));
  });
  child.on("exit", () => {
    shell.ended(new Error("alpha: the root shell ended"));
    rmSync(dir, { recursive: true, force: true });
  });
  return { shell, end: () => child.stdin.end(), kill: () => child.kill("SIGKILL") };
}

test("root shell: stdout, stderr and exit code of each command, in order, one round trip each", async () => {
  const { shell, end } = localShell();
  const a = shell.exec("echo one; echo err >&2; exit 3");
  const b = shell.exec("printf 'no newline'");
  assert.deepEqual(await a, { stdout: "one\n", stderr: "err\n", code: 3 });
  assert.deepEqual(await b, { stdout: "no newline", stderr: "", code: 0 });
  assert.equal(shell.stats.roundTrips, 3, "the held facts command plus two");
  end();
});

test("root shell: stdin reaches the command only (a secret never in the script), and the channel's frames are safe from it", async () => {
  const { shell, end } = localShell();
  const r = await shell.exec("IFS= read -r v; echo \"got ${#v}\"; cat", { stdin: "s3cret\nmore\n" });
  assert.deepEqual(r, { stdout: "got 6\nmore\n", stderr: "", code: 0 });
  const after = await shell.exec("cat; echo still here");
  assert.equal(after.stdout, "still here\n", "without stdin a command reads /dev/null, not the next frame");
  end();
});

test("root shell: progress lines stream before the command ends, even one byte at a time", async () => {
  const { shell, end } = localShell(1);
  const seen: string[] = [];
  const r = await shell.exec("echo start; sleep 0.2; echo done", { onStdout: (c) => seen.push(c) });
  assert.equal(r.stdout, "start\ndone\n");
  assert.equal(seen.join(""), "start\ndone\n\n", "the consumer may see the loop's newline before the end line");
  const text = "x".repeat(70_000) + "\n'\"$(rm -rf /)`;|\\\n";
  assert.equal((await shell.exec(`cat <<'EOF'\n${text}EOF`)).stdout, text, "big and hostile text passes unchanged");
  end();
});

test("root shell: when the held command dies (connection lost), the running and the queued commands fail", async () => {
  const { shell, kill } = localShell();
  const running = shell.exec("sleep 5");
  const queued = shell.exec("echo never");
  setTimeout(kill, 50);
  await assert.rejects(running, /root shell ended/);
  await assert.rejects(shell.exec("echo later"), /root shell ended/);
  await assert.rejects(queued, /root shell ended/);
});

test("root shell: a command that times out gives the shell up; later commands (a rollback) take a new channel", async () => {
  const { shell, kill } = localShell();
  const used: string[] = [];
  shell.fallBackTo({ label: "alpha", exec: async (c) => (used.push(c), { stdout: "fresh\n", stderr: "", code: 0 }), close: async () => {}, stats: { roundTrips: 0, bytesIn: 0, bytesOut: 0, connections: 1 } });
  await assert.rejects(shell.exec("sleep 3", { timeoutMs: 100 }), /no result after 100 ms/);
  assert.equal((await shell.exec("echo rollback")).stdout, "fresh\n");
  assert.deepEqual(used, ["echo rollback"]);
  kill();
});

test("root shell: a command that holds its own stdin open (the live pane's loop) gets its own channel", async () => {
  const { shell, end } = localShell();
  const used: string[] = [];
  shell.fallBackTo({ label: "alpha", exec: async (c) => (used.push(c), { stdout: "", stderr: "", code: 0 }), close: async () => {}, stats: { roundTrips: 0, bytesIn: 0, bytesOut: 0, connections: 1 } });
  await shell.exec("watch loop", { holdStdin: Promise.resolve() });
  assert.deepEqual(used, ["watch loop"]);
  assert.equal((await shell.exec("echo framed")).stdout, "framed\n");
  end();
});
