/**
 * Remove leftover wgsite labs: systemd-nspawn containers, processes in lab namespaces, the
 * namespaces (prefix "wgl-") and per-lab directories. Caches (rootfs, apt repo) are kept unless
 * --purge-cache is given.
 *
 *   npx bun test/lab/cleanup.ts            # labs whose owning process is gone
 *   npx bun test/lab/cleanup.ts --force    # every lab, even ones a live process still owns
 *   npx bun test/lab/cleanup.ts --force --purge-cache
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LAB_ROOT, LABS_DIR, NS_PREFIX, mountsUnder } from "./lab.ts";

export type CleanupOptions = { force?: boolean; only?: string[]; purgeCache?: boolean; log?: (s: string) => void };
export type CleanupReport = { labs: string[]; skipped: string[]; killed: number[]; namespaces: string[]; dirs: string[] };

const ID_RE = new RegExp(`^${NS_PREFIX}([0-9a-f]+)(?:-|$)`);

function sh(argv: string[]) {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return { stdout: r.stdout ?? "", code: r.status ?? 128 };
}

/** Whether a process still exists (signal 0 only checks). */
export function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function kill(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch {}
}

function sleepSync(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** systemd-nspawn processes started for lab `id` (any lab when id is undefined), by command line. */
function nspawnPids(): { pid: number; id: string }[] {
  const out: { pid: number; id: string }[] = [];
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    let cmd: string[];
    try {
      cmd = fs.readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (!cmd[0]?.endsWith("systemd-nspawn")) continue;
    const nsArg = cmd.find((a) => a.startsWith(`--network-namespace-path=/run/netns/${NS_PREFIX}`));
    const m = nsArg?.slice("--network-namespace-path=/run/netns/".length).match(ID_RE);
    if (m) out.push({ pid: Number(e), id: m[1]! });
  }
  return out;
}

function labNamespaces(): { ns: string; id: string }[] {
  return sh(["ip", "netns", "list"])
    .stdout.split("\n")
    .map((l) => l.split(" ")[0]!)
    .map((ns) => ({ ns, m: ns.match(ID_RE) }))
    .filter((x) => x.m)
    .map((x) => ({ ns: x.ns, id: x.m![1]! }));
}

function ownerPid(id: string): number | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(LABS_DIR, `${NS_PREFIX}${id}`, "state.json"), "utf8"));
    return typeof s.ownerPid === "number" ? s.ownerPid : undefined;
  } catch {
    return undefined;
  }
}

export function cleanupLeftovers(opts: CleanupOptions = {}): CleanupReport {
  const log = opts.log ?? (() => {});
  const report: CleanupReport = { labs: [], skipped: [], killed: [], namespaces: [], dirs: [] };
  const spawns = nspawnPids();
  const namespaces = labNamespaces();
  const dirs = fs.existsSync(LABS_DIR)
    ? fs.readdirSync(LABS_DIR).map((d) => ({ d, m: d.match(ID_RE) })).filter((x) => x.m).map((x) => ({ dir: path.join(LABS_DIR, x.d), id: x.m![1]! }))
    : [];
  const ids = new Set([...spawns.map((s) => s.id), ...namespaces.map((n) => n.id), ...dirs.map((d) => d.id)]);
  for (const id of ids) {
    if (opts.only && !opts.only.includes(id)) continue;
    const owner = ownerPid(id);
    if (!opts.force && owner && owner !== process.pid && alive(owner)) {
      report.skipped.push(id);
      log(`lab ${id}: owned by live process ${owner}, skipped (use --force)`);
      continue;
    }
    report.labs.push(id);
    const mine = spawns.filter((s) => s.id === id).map((s) => s.pid);
    for (const p of mine) kill(p, "SIGTERM");
    const deadline = Date.now() + 8000;
    while (mine.some(alive) && Date.now() < deadline) sleepSync(100);
    for (const p of mine) {
      if (!alive(p)) continue;
      // Kill the container's init too (it is nspawn's child), then nspawn itself.
      try {
        for (const c of fs.readFileSync(`/proc/${p}/task/${p}/children`, "utf8").split(/\s+/).filter(Boolean)) kill(Number(c), "SIGKILL");
      } catch {}
      kill(p, "SIGKILL");
    }
    report.killed.push(...mine);
    for (const { ns } of namespaces.filter((n) => n.id === id)) {
      for (const p of sh(["ip", "netns", "pids", ns]).stdout.split(/\s+/).filter(Boolean).map(Number)) {
        kill(p, "SIGKILL");
        report.killed.push(p);
      }
    }
    for (const { ns } of namespaces.filter((n) => n.id === id)) {
      sh(["ip", "netns", "del", ns]);
      report.namespaces.push(ns);
    }
    for (const { dir } of dirs.filter((d) => d.id === id)) {
      // Gateway roots are overlay mounts; unmount before removing (never rm through a mount).
      for (const m of mountsUnder(dir)) if (sh(["umount", m]).code !== 0) sh(["umount", "-l", m]);
      if (mountsUnder(dir).length) {
        log(`${dir} still has mounts; not removed`);
        continue;
      }
      fs.rmSync(dir, { recursive: true, force: true });
      report.dirs.push(dir);
    }
    log(`lab ${id}: removed`);
  }
  // Interrupted cache builds.
  if (fs.existsSync(LAB_ROOT)) {
    for (const e of fs.readdirSync(LAB_ROOT)) {
      const full = path.join(LAB_ROOT, e);
      const tmpPid = e.includes(".tmp-") ? Number(e.split(".tmp-")[1]!.split("-")[0]) : undefined;
      const isCache = /^(rootfs|repo)-/.test(e);
      if ((tmpPid !== undefined && (opts.force || !alive(tmpPid))) || (opts.purgeCache && isCache)) {
        for (const m of mountsUnder(full)) if (sh(["umount", m]).code !== 0) sh(["umount", "-l", m]);
        if (mountsUnder(full).length) {
          log(`${full} still has mounts; not removed`);
          continue;
        }
        fs.rmSync(full, { recursive: true, force: true });
        report.dirs.push(full);
        log(`removed ${full}`);
      }
    }
  }
  return report;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const report = cleanupLeftovers({
    force: args.includes("--force"),
    purgeCache: args.includes("--purge-cache"),
    log: (s) => console.error(s),
  });
  console.log(JSON.stringify(report, null, 2));
}
