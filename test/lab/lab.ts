/**
 * End-to-end test lab for wgsite: two Debian gateways (systemd-nspawn containers, each in its own
 * network namespace), one LAN host behind each, an "internet" bridge namespace on 192.0.2.0/24 and
 * an operator namespace where wgsite runs.
 *
 *   operator ns (192.0.2.100) ──┐
 *                                ├── inet ns: br0 (192.0.2.0/24, no address of its own)
 *   alpha gw eth0 (192.0.2.1) ──┤      beta gw eth0 (192.0.2.2) ──┘
 *   alpha gw eth1 10.10.10.1/24 ── alpha LAN host 10.10.10.10 (default via 10.10.10.1)
 *   beta  gw eth1 10.10.11.1/24 ── beta  LAN host 10.10.11.10 (default via 10.10.11.1)
 *
 * Nothing here is connected to the host's own network namespace; no namespace has a route to
 * anything outside 192.0.2.0/24 and its own LAN. Gateways start "bare": no WireGuard, no iptables,
 * ip_forward 0. A lab-local apt repository (bound read-only at /srv/repo) is their only apt source.
 *
 * Requires root, iproute2 (ip netns), systemd-container (systemd-nspawn), debootstrap, dpkg-dev,
 * openssh-client, util-linux (nsenter) and /dev/net/tun on the host. See labSkipReason().
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";

// ---------------------------------------------------------------------------------------------
// Public types

export type Site = "alpha" | "beta";
/** Any gateway of the lab: alpha and beta, then EXTRA_SITES in order when the lab has more. */
export type SiteName = string;
/** The sites after alpha and beta, in the order a lab of N gateways adds them. */
export const EXTRA_SITES = ["gamma", "delta", "epsilon", "zeta", "eta", "theta"] as const;

/** Debian releases a gateway can run: 12 (bookworm) and 13 (trixie). */
export type Suite = "bookworm" | "trixie";
/** The init a gateway boots with: Debian's default, or Debian's openrc + sysvinit-core. */
export type LabInit = "systemd" | "openrc";
export type GatewayOs = { suite: Suite; init: LabInit };

export type LabGateway = {
  site: SiteName;
  /** Behind a NAT router: no public address of its own (publicIp is the router's, which forwards ssh only). */
  natted?: boolean;
  /** Debian release and init system of this gateway. */
  os: GatewayOs;
  /** Network namespace the container runs in (persists across container reboots). */
  ns: string;
  publicIp: string;
  lanIp: string;
  /** Interface names inside the gateway. */
  publicIf: string;
  lanIf: string;
  lanCidr: string;
  sshPort: number;
  sshUser: string;
  /** Set when sshUser is not root: sudo on this gateway asks for this password. */
  sudoPassword?: string;
  /** Host alias in sshConfigFile. */
  sshHost: string;
  hostname: string;
  /** The container's root directory on the host. */
  machineDir: string;
  /** File the container console is logged to. */
  consoleLog: string;
};

export type ExecResult = { stdout: string; stderr: string; code: number };
export type RunOptions = { input?: string; timeoutMs?: number; env?: Record<string, string> };

export type Lab = {
  id: string;
  dir: string;
  operatorNs: string;
  internetNs: string;
  operatorIp: string;
  /** Every gateway by site name, in lab order (`sites`). */
  gateways: { alpha: LabGateway; beta: LabGateway } & Record<SiteName, LabGateway>;
  lanHosts: { alpha: { ns: string; ip: string }; beta: { ns: string; ip: string } } & Record<SiteName, { ns: string; ip: string }>;
  sites: readonly SiteName[];
  identityFile: string;
  sshConfigFile: string;
  knownHostsFile: string;
  variant: string;
  /** How gateway roots were made: overlayfs over the cached rootfs, or a full copy. */
  rootMode: "overlay" | "copy";
  /** Milliseconds spent in each phase of createLab (rootfs, repo, copy, boot-to-ssh, total). */
  timings: Record<string, number>;
  /** The lab's site file: the reference design for two gateways, a mesh on 10.10.9.0/29 (or wider) for more; `sites` picks some. */
  siteYaml(sites?: readonly SiteName[]): string;
  /** Run argv inside a network namespace (ip netns exec). Never throws on a non-zero exit. */
  inNs(ns: string, argv: string[], opts?: RunOptions): Promise<ExecResult>;
  /** Run a shell command as root inside the gateway container (all its namespaces). */
  inGateway(site: SiteName, shellCmd: string, opts?: RunOptions): Promise<ExecResult>;
  /** Run a shell command on the gateway over OpenSSH from the operator namespace (as sshUser). */
  ssh(site: SiteName, shellCmd: string, opts?: RunOptions): Promise<ExecResult>;
  /**
   * Reboot the container (systemctl reboot inside). Like a real reboot, the gateway's kernel
   * network state (ip_forward, nftables/iptables rules, interfaces, routes) is reset: its network
   * namespace is recreated and re-wired before the container boots again. Resolves when sshd answers.
   */
  restartGateway(site: SiteName): Promise<void>;
  /** Description as plain JSON (for the CLI / logs). */
  describe(): LabDescription;
  teardown(): Promise<void>;
};

export type LabDescription = Omit<Lab, "siteYaml" | "inNs" | "inGateway" | "ssh" | "restartGateway" | "describe" | "teardown">;

/** A variant prepares gateways before tests run (e.g. a pre-existing firewall). */
export type LabVariant = {
  description: string;
  /** Before first boot, with the gateway's root directory (host path). */
  prepareRoot?(site: SiteName, rootDir: string): Promise<void> | void;
  /** After both gateways answer on ssh; use lab.inGateway() to set things up inside. */
  afterBoot?(lab: Lab): Promise<void> | void;
};

/** Registry of variants; add more here (or at runtime via registerVariant). "bare" = fresh servers. */
export const variants: Record<string, LabVariant> = {
  bare: { description: "fresh gateways (Debian 12 unless WGSITE_LAB_OS or createLab({ os }) says otherwise): no WireGuard, no firewall, ip_forward 0" },
};

export function registerVariant(name: string, variant: LabVariant): void {
  variants[name] = variant;
}

// ---------------------------------------------------------------------------------------------
// Constants

export const LAB_ROOT = process.env.WGSITE_LAB_ROOT ?? "/var/tmp/wgsite-lab";
export const LABS_DIR = path.join(LAB_ROOT, "labs");
export const NS_PREFIX = "wgl-";
/** Bump when the rootfs/repo recipe changes, so caches are rebuilt. */
const RECIPE_VERSION = "3";
export const SUITES: readonly Suite[] = ["bookworm", "trixie"];
export const ROOTFS_PACKAGES = [
  "systemd", "systemd-sysv", "dbus", "openssh-server", "iproute2", "sudo", "iputils-ping", "ca-certificates", "traceroute",
];
/** An OpenRC gateway: no systemd at all, so `systemd-nspawn --boot` runs sysvinit's /sbin/init. */
export const OPENRC_ROOTFS_PACKAGES = [
  "sysvinit-core", "openssh-server", "iproute2", "sudo", "iputils-ping", "ca-certificates", "traceroute", "procps",
];
const rootfsPackages = (os: GatewayOs) => (os.init === "openrc" ? OPENRC_ROOTFS_PACKAGES : ROOTFS_PACKAGES);

/** "bookworm", "trixie", "bookworm-openrc", "trixie-openrc" (also "debian12", "debian13"). */
export function parseGatewayOs(spec: string): GatewayOs {
  const m = /^(bookworm|trixie|debian12|debian13)(?:-(systemd|openrc))?$/.exec(spec.trim());
  if (!m) throw new Error(`unknown lab gateway OS ${JSON.stringify(spec)} (known: bookworm, trixie, with -openrc for an OpenRC gateway)`);
  const suite = ({ debian12: "bookworm", debian13: "trixie" } as Record<string, Suite>)[m[1]!] ?? (m[1] as Suite);
  return { suite, init: (m[2] as LabInit | undefined) ?? "systemd" };
}

export function gatewayOsName(os: GatewayOs): string {
  return os.init === "systemd" ? os.suite : `${os.suite}-${os.init}`;
}

/**
 * The gateways' OS per site: from the option, else WGSITE_LAB_OS ("trixie" for both,
 * "bookworm,trixie-openrc" for alpha,beta), else Debian 12 with systemd.
 */
export function labGatewayOs(spec: string | Partial<Record<Site, string>> | undefined = process.env.WGSITE_LAB_OS): Record<Site, GatewayOs> {
  const bySite = typeof spec === "string" ? (() => {
    const [a, b] = spec.split(",").map((x) => x.trim()).filter(Boolean);
    return { alpha: a, beta: b ?? a };
  })() : spec ?? {};
  return { alpha: parseGatewayOs(bySite.alpha || "bookworm"), beta: parseGatewayOs(bySite.beta || "bookworm") };
}

/** The host's own Debian release: its apt lists build that suite's repository without a chroot. */
function hostSuite(): string {
  try {
    return /^VERSION_CODENAME=(\S+)$/m.exec(fs.readFileSync("/etc/os-release", "utf8"))?.[1] ?? "";
  } catch {
    return "";
  }
}
/** Packages (plus their dependency closure) offered by the lab-local apt repository. */
export const REPO_PACKAGES = ["wireguard-tools", "wireguard-go", "iptables", "nftables"];
export const BETA_SUDO_PASSWORD = "labpass-beta";
const CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const ADDR = {
  operator: "192.0.2.100",
  alpha: { publicIp: "192.0.2.1", lanIp: "10.10.10.1", lanCidr: "10.10.10.0/24", hostIp: "10.10.10.10" },
  beta: { publicIp: "192.0.2.2", lanIp: "10.10.11.1", lanCidr: "10.10.11.0/24", hostIp: "10.10.11.10" },
} as const;

/** Site i of the lab: 192.0.2.(i+1) on the internet, LAN 10.10.(10+i).0/24 with its host at .10. */
function addrOf(i: number) {
  return { publicIp: `192.0.2.${i + 1}`, lanIp: `10.10.${10 + i}.1`, lanCidr: `10.10.${10 + i}.0/24`, hostIp: `10.10.${10 + i}.10` };
}

/** A NAT'd gateway's side of its router: the inside link (its own namespace, so every NAT'd site may use it). */
const NAT_INSIDE = { router: "198.51.100.1", gateway: "198.51.100.2", prefix: 24 } as const;

export const MAX_LAB_SITES = 2 + EXTRA_SITES.length;

/** The two gateways whose Debian release and init WGSITE_LAB_OS picks. */
const SITES: Site[] = ["alpha", "beta"];

/** The gateways past alpha and beta, and any not named in WGSITE_LAB_OS: Debian 12 with systemd. */
const DEFAULT_OS: GatewayOs = labGatewayOs("bookworm").alpha;

// ---------------------------------------------------------------------------------------------
// Process helpers

function run(argv: string[], opts: RunOptions & { cwd?: string } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timer: ReturnType<typeof setTimeout> | undefined;
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ stdout, stderr: signal ? `${stderr}[killed by ${signal}]` : stderr, code: code ?? 128 });
    });
    if (opts.timeoutMs) timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.stdin!.on("error", () => {});
    child.stdin!.end(opts.input ?? "");
  });
}

async function must(argv: string[], opts: RunOptions & { cwd?: string } = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new Error(`command failed (${r.code}): ${argv.join(" ")}\n${r.stderr}${r.stdout}`.trim());
  return r.stdout;
}

function runSync(argv: string[]): ExecResult {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return { stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? ""), code: r.status ?? 128 };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
function sleepSync(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function which(cmd: string): boolean {
  return (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin")
    .split(":")
    .concat(["/usr/sbin", "/sbin"])
    .some((d) => {
      try {
        fs.accessSync(path.join(d, cmd), fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function kill(pid: number | undefined, sig: NodeJS.Signals) {
  if (!pid) return;
  try {
    process.kill(pid, sig);
  } catch {}
}

// ---------------------------------------------------------------------------------------------
// Skip reason

const HOST_TOOLS: [string, string][] = [
  ["ip", "iproute2"],
  ["systemd-nspawn", "systemd-container"],
  ["debootstrap", "debootstrap"],
  ["dpkg-scanpackages", "dpkg-dev"],
  ["apt-get", "apt"],
  ["ssh", "openssh-client"],
  ["ssh-keygen", "openssh-client"],
  ["nsenter", "util-linux"],
  ["chroot", "coreutils"],
];

/** Why the lab cannot run here (tests skip with this reason), or undefined when it can. */
export function labSkipReason(): string | undefined {
  if (process.env.WGSITE_LAB === "0") return "lab disabled (WGSITE_LAB=0)";
  if (process.platform !== "linux") return `lab needs Linux (this is ${process.platform})`;
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "lab needs root (not root)";
  for (const [cmd, pkg] of HOST_TOOLS) if (!which(cmd)) return `${cmd} missing (apt-get install ${pkg})`;
  if (!fs.existsSync("/dev/net/tun")) return "/dev/net/tun missing (wireguard-go needs it)";
  const r = runSync(["ip", "netns", "list"]);
  if (r.code !== 0) return `ip netns unavailable: ${r.stderr.trim()}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Caches: rootfs and apt repository

function hash(data: unknown): string {
  return createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16);
}

/** The Debian mirror the host's apt uses for its main suite (WGSITE_LAB_MIRROR overrides); it serves every suite. */
export function debianMirror(): string {
  const SUITE = hostSuite() || "bookworm";
  if (process.env.WGSITE_LAB_MIRROR) return process.env.WGSITE_LAB_MIRROR;
  const files: string[] = [];
  if (fs.existsSync("/etc/apt/sources.list")) files.push("/etc/apt/sources.list");
  try {
    for (const f of fs.readdirSync("/etc/apt/sources.list.d")) files.push(path.join("/etc/apt/sources.list.d", f));
  } catch {}
  for (const f of files) {
    let text = "";
    try {
      text = fs.readFileSync(f, "utf8");
    } catch {
      continue;
    }
    if (f.endsWith(".sources")) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (k: string) => stanza.match(new RegExp(`^${k}:\\s*(.+)$`, "mi"))?.[1]?.trim() ?? "";
        if (!/\bdeb\b/.test(field("Types"))) continue;
        if (!field("Suites").split(/\s+/).includes(SUITE)) continue;
        if (!field("Components").split(/\s+/).includes("main")) continue;
        const uri = field("URIs").split(/\s+/)[0];
        if (uri) return uri;
      }
    } else {
      for (const line of text.split("\n")) {
        const m = line.match(/^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$/);
        if (m && m[2] === SUITE && m[3]!.split(/\s+/).includes("main")) return m[1]!;
      }
    }
  }
  return "http://deb.debian.org/debian";
}

async function removeStaleTemps() {
  try {
    for (const e of await fsp.readdir(LAB_ROOT)) {
      if (!e.includes(".tmp-")) continue;
      const p = path.join(LAB_ROOT, e);
      const pid = Number(e.split(".tmp-")[1]?.split("-")[0]);
      if (!alive(pid)) await rmTree(p);
    }
  } catch {}
}

/** Rename tmp to final; if another process won the race, drop ours. */
async function publish(tmp: string, final: string) {
  try {
    await fsp.rename(tmp, final);
  } catch (e) {
    if (fs.existsSync(final)) await fsp.rm(tmp, { recursive: true, force: true });
    else throw e;
  }
}

const APT_SOURCE = "deb [trusted=yes] file:/srv/repo ./\n";

const rootfsBuilds = new Map<string, Promise<string>>();

/** Debian rootfs shared by all labs (read-only lower layer / copy source), one per OS. Returns its path. */
export function ensureRootfs(log: (s: string) => void = () => {}, os: GatewayOs = { suite: "bookworm", init: "systemd" }): Promise<string> {
  // One build per process and OS even when labs are created concurrently.
  const key = gatewayOsName(os);
  let build = rootfsBuilds.get(key);
  if (!build) {
    build = buildRootfs(log, os).finally(() => rootfsBuilds.delete(key));
    rootfsBuilds.set(key, build);
  }
  return build;
}

/** Cache key of a rootfs: Debian 12 with systemd keeps the key it always had. */
function rootfsKey(os: GatewayOs, mirror: string): string {
  const SUITE = os.suite;
  const ROOTFS_PACKAGES = rootfsPackages(os);
  return hash(os.init === "systemd" ? { RECIPE_VERSION, SUITE, ROOTFS_PACKAGES, mirror } : { RECIPE_VERSION, SUITE, ROOTFS_PACKAGES, mirror, init: os.init });
}

async function buildRootfs(log: (s: string) => void, os: GatewayOs): Promise<string> {
  const mirror = debianMirror();
  const final = path.join(LAB_ROOT, `rootfs-${rootfsKey(os, mirror)}`);
  if (fs.existsSync(path.join(final, ".wgsite-lab-complete"))) return final;
  await fsp.mkdir(LAB_ROOT, { recursive: true });
  await removeStaleTemps();
  const tmp = `${final}.tmp-${process.pid}-${randomBytes(3).toString("hex")}`;
  log(`building ${gatewayOsName(os)} rootfs with debootstrap from ${mirror} (about a minute)...`);
  try {
    await must([
      "debootstrap", "--variant=minbase", `--include=${rootfsPackages(os).join(",")}`, os.suite, tmp, mirror,
    ], { timeoutMs: 15 * 60_000 });
    if (os.init === "openrc") await prepareOpenrcRoot(tmp, mirror, os.suite);
    await prepareBaseRoot(tmp);
    await fsp.writeFile(path.join(tmp, ".wgsite-lab-complete"), new Date().toISOString() + "\n");
    await publish(tmp, final);
  } catch (e) {
    const dlog = await fsp.readFile(path.join(tmp, "debootstrap/debootstrap.log"), "utf8").catch(() => "");
    await rmTree(tmp);
    if (dlog) throw new Error(`${e instanceof Error ? e.message : e}\ndebootstrap.log (tail):\n${dlog.split("\n").slice(-30).join("\n")}`);
    throw e;
  }
  return final;
}

/** Things every gateway shares: apt only from the lab repo, no DNS, no host keys, quiet boot. */
async function prepareBaseRoot(root: string) {
  const p = (...s: string[]) => path.join(root, ...s);
  await fsp.writeFile(p("etc/apt/sources.list"), APT_SOURCE);
  await fsp.rm(p("etc/apt/sources.list.d"), { recursive: true, force: true });
  await fsp.mkdir(p("etc/apt/sources.list.d"), { recursive: true });
  await must(["chroot", root, "apt-get", "clean"]);
  for (const e of await fsp.readdir(p("var/lib/apt/lists")).catch(() => [] as string[]))
    if (e !== "partial" && e !== "lock") await fsp.rm(p("var/lib/apt/lists", e), { recursive: true, force: true });
  // No DNS in the lab; keep the resolver away from the host's nameserver.
  await fsp.rm(p("etc/resolv.conf"), { force: true });
  await fsp.writeFile(p("etc/resolv.conf"), "# wgsite lab: no DNS\n");
  // Per-gateway identity is generated at copy time.
  for (const f of await fsp.readdir(p("etc/ssh"))) if (f.startsWith("ssh_host_")) await fsp.rm(p("etc/ssh", f));
  await fsp.writeFile(p("etc/machine-id"), "");
  await fsp.mkdir(p("etc/ssh/sshd_config.d"), { recursive: true });
  await fsp.writeFile(
    p("etc/ssh/sshd_config.d/10-wgsite-lab.conf"),
    "# wgsite lab\nUseDNS no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n",
  );
  // Timers that would try the network.
  await fsp.mkdir(p("etc/systemd/system"), { recursive: true });
  for (const unit of ["apt-daily.timer", "apt-daily-upgrade.timer", "e2scrub_all.timer", "fstrim.timer"]) {
    await fsp.rm(p("etc/systemd/system", unit), { force: true });
    await fsp.symlink("/dev/null", p("etc/systemd/system", unit));
  }
}

/**
 * Debian's openrc, installed with apt after debootstrap (whose resolver takes initscripts' first
 * alternative, sysv-rc, which openrc conflicts with): sysvinit's inittab then starts OpenRC. The
 * gettys on tty1-6 would respawn forever in a container without ttys, so they go; sshd is in the
 * default runlevel.
 */
async function prepareOpenrcRoot(root: string, mirror: string, suite: Suite) {
  await fsp.writeFile(path.join(root, "etc/apt/sources.list"), `deb ${mirror} ${suite} main\n`);
  await fsp.copyFile("/etc/resolv.conf", path.join(root, "etc/resolv.conf"));
  await must(["chroot", root, "apt-get", "-q", "update"], { timeoutMs: 10 * 60_000 });
  await must(["chroot", root, "apt-get", "-q", "-y", "install", "--no-install-recommends", "openrc"], {
    timeoutMs: 10 * 60_000,
    env: { DEBIAN_FRONTEND: "noninteractive" },
  });
  const inittab = path.join(root, "etc/inittab");
  const text = await fsp.readFile(inittab, "utf8");
  await fsp.writeFile(inittab, text.replace(/^([1-6]:[0-9]+:respawn:\/sbin\/getty.*)$/gm, "#$1"));
  await must(["chroot", root, "rc-update", "add", "ssh", "default"]);
}

/** Runs argv inside a chroot's root (for apt of another Debian release than the host's). */
const inChroot = (root: string | undefined, argv: string[]) => (root ? ["chroot", root, ...argv] : argv);

/**
 * A root of `suite` whose apt reads Debian's mirror (the lab's gateways never do): the apt lists
 * are fetched once when it is built, so creating a lab later asks the network nothing.
 */
const aptRootBuilds = new Map<Suite, Promise<string>>();
function ensureAptRoot(suite: Suite, log: (s: string) => void): Promise<string> {
  let build = aptRootBuilds.get(suite);
  if (!build) {
    build = buildAptRoot(suite, log).finally(() => aptRootBuilds.delete(suite));
    aptRootBuilds.set(suite, build);
  }
  return build;
}

async function buildAptRoot(suite: Suite, log: (s: string) => void): Promise<string> {
  const rootfs = await ensureRootfs(log, { suite, init: "systemd" });
  const mirror = debianMirror();
  const final = path.join(LAB_ROOT, `apt-${suite}-${hash({ RECIPE_VERSION, rootfs, mirror })}`);
  if (fs.existsSync(path.join(final, ".wgsite-lab-complete"))) return final;
  const tmp = `${final}.tmp-${process.pid}-${randomBytes(3).toString("hex")}`;
  log(`reading ${suite}'s package lists from ${mirror}...`);
  try {
    await must(["cp", "-a", "--reflink=auto", rootfs, tmp]);
    await fsp.writeFile(path.join(tmp, "etc/apt/sources.list"), `deb ${mirror} ${suite} main\n`);
    await fsp.copyFile("/etc/resolv.conf", path.join(tmp, "etc/resolv.conf"));
    await must(inChroot(tmp, ["apt-get", "-q", "update"]), { timeoutMs: 10 * 60_000 });
    await fsp.writeFile(path.join(tmp, ".wgsite-lab-complete"), new Date().toISOString() + "\n");
    await publish(tmp, final);
  } catch (e) {
    await rmTree(tmp);
    throw e;
  }
  return final;
}

/**
 * The closure from an apt root's lists, which never change after it was built: worked out once
 * (apt-cache without its binary cache takes seconds) and kept beside them.
 */
async function aptRootClosure(aptRoot: string): Promise<{ name: string; version: string; arch: string }[]> {
  const file = path.join(aptRoot, `.wgsite-closure-${hash(REPO_PACKAGES)}.json`);
  try {
    return JSON.parse(await fsp.readFile(file, "utf8"));
  } catch {}
  const pkgs = await repoClosure(aptRoot);
  const tmp = `${file}.tmp-${process.pid}`;
  await fsp.writeFile(tmp, JSON.stringify(pkgs));
  await fsp.rename(tmp, file);
  return pkgs;
}

/** Package closure of REPO_PACKAGES as name=version, from the host's apt lists (or the apt root's). */
async function repoClosure(aptRoot?: string): Promise<{ name: string; version: string; arch: string }[]> {
  // No binary cache written: several labs may read the same apt root at once.
  const noCache = aptRoot ? ["-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache="] : [];
  const deps = await must(inChroot(aptRoot, [
    "apt-cache", ...noCache, "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks",
    "--no-replaces", "--no-enhances", ...REPO_PACKAGES,
  ]));
  const names = [...new Set(deps.split("\n").filter((l) => /^[a-z0-9][a-z0-9+.-]*$/.test(l)))].sort();
  const show = await run(inChroot(aptRoot, ["apt-cache", ...noCache, "show", "--no-all-versions", ...names]));
  const out: { name: string; version: string; arch: string }[] = [];
  for (const stanza of show.stdout.split(/\n\s*\n/)) {
    const name = stanza.match(/^Package:\s*(\S+)/m)?.[1];
    const version = stanza.match(/^Version:\s*(\S+)/m)?.[1];
    const arch = stanza.match(/^Architecture:\s*(\S+)/m)?.[1] ?? "";
    if (name && version && !out.some((o) => o.name === name)) out.push({ name, version, arch });
  }
  for (const n of REPO_PACKAGES)
    if (!out.some((o) => o.name === n)) throw new Error(`apt on the host has no candidate for ${n} (run apt-get update?)`);
  return out;
}

/**
 * Offline apt repository with WireGuard/iptables/nftables and dependencies for `suite`. Returns its
 * path. The host's own release comes from the host's apt; another one from apt inside its chroot.
 */
export async function ensureRepo(log: (s: string) => void = () => {}, suite: Suite = "bookworm"): Promise<string> {
  const aptRoot = suite === (hostSuite() || "bookworm") ? undefined : await ensureAptRoot(suite, log);
  const pkgs = aptRoot ? await aptRootClosure(aptRoot) : await repoClosure();
  const final = path.join(LAB_ROOT, `repo-${hash({ RECIPE_VERSION, pkgs })}`);
  if (fs.existsSync(path.join(final, "Release"))) return final;
  await fsp.mkdir(LAB_ROOT, { recursive: true });
  const tmp = `${final}.tmp-${process.pid}-${randomBytes(3).toString("hex")}`;
  log(`downloading ${pkgs.length} packages for the lab apt repository...`);
  try {
    await fsp.mkdir(tmp, { recursive: true, mode: 0o755 });
    await fsp.chmod(tmp, 0o755);
    const pins = pkgs.map((p) => `${p.name}=${p.version}`);
    if (aptRoot) {
      const inside = `/tmp/wgsite-repo-${process.pid}-${randomBytes(3).toString("hex")}`;
      await fsp.mkdir(path.join(aptRoot, inside));
      try {
        await must(["chroot", aptRoot, "sh", "-c", 'cd "$0" && exec apt-get download -q -o APT::Sandbox::User=root "$@"', inside, ...pins], { timeoutMs: 10 * 60_000 });
        for (const f of await fsp.readdir(path.join(aptRoot, inside))) await must(["mv", path.join(aptRoot, inside, f), tmp]);
      } finally {
        await fsp.rm(path.join(aptRoot, inside), { recursive: true, force: true });
      }
    } else {
      await must(["apt-get", "download", "-q", ...pins], { cwd: tmp, timeoutMs: 10 * 60_000 });
    }
    const packages = await must(["dpkg-scanpackages", "--multiversion", "."], { cwd: tmp });
    await fsp.writeFile(path.join(tmp, "Packages"), packages);
    const size = Buffer.byteLength(packages);
    const sha = createHash("sha256").update(packages).digest("hex");
    const md5 = createHash("md5").update(packages).digest("hex");
    await fsp.writeFile(
      path.join(tmp, "Release"),
      [
        "Origin: wgsite-lab", "Label: wgsite-lab", "Suite: wgsite-lab", "Codename: wgsite-lab",
        `Date: ${new Date().toUTCString()}`, "Architectures: amd64 arm64 i386 all",
        "MD5Sum:", ` ${md5} ${size} Packages`, "SHA256:", ` ${sha} ${size} Packages`, "",
      ].join("\n"),
    );
    for (const f of await fsp.readdir(tmp)) await fsp.chmod(path.join(tmp, f), 0o644);
    await publish(tmp, final);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return final;
}

// ---------------------------------------------------------------------------------------------
// Live labs and emergency cleanup

const liveLabs = new Set<LabImpl>();
let handlersInstalled = false;

function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", () => {
    for (const lab of liveLabs) lab.teardownSync();
  });
  for (const [sig, n] of [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]] as const) {
    process.on(sig, () => {
      for (const lab of liveLabs) lab.teardownSync();
      process.exit(128 + n);
    });
  }
}

type GatewayRuntime = {
  proc?: ChildProcess;
  pid?: number;
  leader?: number;
  generation: number;
  exited?: Promise<number | null>;
  rebooting?: Promise<void>;
};

class LabImpl {
  id: string;
  dir: string;
  variant: string;
  operatorNs: string;
  internetNs: string;
  gateways: Lab["gateways"];
  lanHosts: Lab["lanHosts"];
  sites: SiteName[];
  identityFile: string;
  sshConfigFile: string;
  knownHostsFile: string;
  timings: Record<string, number> = {};
  /** The lab apt repository each gateway sees at /srv/repo (one per Debian release). */
  repoDirs: Record<SiteName, string> = { alpha: "", beta: "" };
  rootMode: "overlay" | "copy" = "copy";
  stopping = false;
  tornDown = false;
  rt: Record<SiteName, GatewayRuntime> = {};
  log: (s: string) => void;

  constructor(id: string, variant: string, log: (s: string) => void, count = 2, natted: readonly SiteName[] = [], os: Record<Site, GatewayOs> = labGatewayOs(undefined)) {
    this.id = id;
    this.variant = variant;
    this.log = log;
    this.sites = ["alpha", "beta", ...EXTRA_SITES.slice(0, count - 2)];
    for (const site of this.sites) this.rt[site] = { generation: 0 };
    const ns = (s: string) => `${NS_PREFIX}${id}-${s}`;
    this.dir = path.join(LABS_DIR, `${NS_PREFIX}${id}`);
    this.operatorNs = ns("op");
    this.internetNs = ns("inet");
    const gw = (site: SiteName, i: number): LabGateway => {
      const a = site === "alpha" || site === "beta" ? ADDR[site] : addrOf(i);
      const beta = site === "beta";
      return {
        site,
        ...(natted.includes(site) ? { natted: true } : {}),
        // Gateways past alpha and beta run the default Debian with systemd.
        os: site === "alpha" || site === "beta" ? os[site] : DEFAULT_OS,
        ns: ns(site === "alpha" ? "gwa" : site === "beta" ? "gwb" : `gw${i}`),
        publicIp: a.publicIp,
        lanIp: a.lanIp,
        publicIf: "eth0",
        lanIf: "eth1",
        lanCidr: a.lanCidr,
        sshPort: beta ? 2222 : 22,
        sshUser: beta ? "ops" : "root",
        ...(beta ? { sudoPassword: BETA_SUDO_PASSWORD } : {}),
        sshHost: `${site}-gw`,
        hostname: `wg-${site}`,
        machineDir: path.join(this.dir, site, "root"),
        consoleLog: path.join(this.dir, site, "console.log"),
      };
    };
    this.gateways = Object.fromEntries(this.sites.map((site, i) => [site, gw(site, i)])) as Lab["gateways"];
    this.lanHosts = Object.fromEntries(
      this.sites.map((site, i) => [site, { ns: ns(site === "alpha" ? "lana" : site === "beta" ? "lanb" : `lan${i}`), ip: site === "alpha" || site === "beta" ? ADDR[site].hostIp : addrOf(i).hostIp }]),
    ) as Lab["lanHosts"];
    this.identityFile = path.join(this.dir, "id_ed25519");
    this.sshConfigFile = path.join(this.dir, "ssh_config");
    this.knownHostsFile = path.join(this.dir, "known_hosts");
  }

  allNamespaces(): string[] {
    return [
      ...this.sites.map((s) => this.gateways[s]!.ns),
      ...this.sites.map((s) => this.lanHosts[s]!.ns),
      ...this.sites.filter((s) => this.gateways[s]!.natted).map((s) => this.natNs(s)),
      this.operatorNs, this.internetNs,
    ];
  }

  /** The NAT router in front of a NAT'd gateway. */
  natNs(site: SiteName): string {
    return `${this.gateways[site]!.ns}-nat`;
  }

  describe(): LabDescription {
    return {
      id: this.id,
      dir: this.dir,
      operatorNs: this.operatorNs,
      internetNs: this.internetNs,
      operatorIp: ADDR.operator,
      gateways: this.gateways,
      lanHosts: this.lanHosts,
      sites: this.sites,
      identityFile: this.identityFile,
      sshConfigFile: this.sshConfigFile,
      knownHostsFile: this.knownHostsFile,
      variant: this.variant,
      rootMode: this.rootMode,
      timings: this.timings,
    };
  }

  async writeState() {
    const state = {
      ...this.describe(),
      ownerPid: process.pid,
      namespaces: this.allNamespaces(),
      nspawnPids: Object.fromEntries(this.sites.map((s) => [s, this.rt[s]!.pid])),
    };
    await fsp.writeFile(path.join(this.dir, "state.json"), JSON.stringify(state, null, 2) + "\n");
  }

  // -- network ---------------------------------------------------------------------------------

  async ip(...args: string[]) {
    await must(["ip", ...args]);
  }

  async sysctl(ns: string, ...kv: string[]) {
    for (const s of kv) await must(["ip", "netns", "exec", ns, "sysctl", "-qw", s]);
  }

  async newNs(ns: string) {
    await this.ip("netns", "add", ns);
    await this.ip("-n", ns, "link", "set", "lo", "up");
    // A fresh machine does not forward (also guards against devconf_inherit_init_net=1).
    await this.sysctl(ns, "net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=0");
  }

  async createStaticNetwork() {
    await this.newNs(this.internetNs);
    await this.ip("-n", this.internetNs, "link", "add", "br0", "type", "bridge");
    await this.ip("-n", this.internetNs, "link", "set", "br0", "up");
    await this.newNs(this.operatorNs);
    await this.ip("link", "add", "eth0", "netns", this.operatorNs, "address", "02:c0:00:02:00:64", "type", "veth", "peer", "name", "p-op", "netns", this.internetNs);
    await this.ip("-n", this.internetNs, "link", "set", "p-op", "master", "br0", "up");
    await this.ip("-n", this.operatorNs, "addr", "add", `${ADDR.operator}/24`, "dev", "eth0");
    await this.ip("-n", this.operatorNs, "link", "set", "eth0", "up");
    for (const site of this.sites) await this.newNs(this.lanHosts[site]!.ns);
    for (const site of this.sites.filter((s) => this.gateways[s]!.natted)) await this.createNatRouter(site);
  }

  /**
   * A home router in front of a NAT'd gateway: its outside address on the internet, masquerade for
   * what the gateway sends out, and only the gateway's ssh port forwarded in (for the operator).
   */
  async createNatRouter(site: SiteName) {
    const g = this.gateways[site]!;
    const nat = this.natNs(site);
    const i = this.sites.indexOf(site);
    await this.newNs(nat);
    await this.ip("link", "add", "eth0", "netns", nat, "address", `02:c0:00:02:01:${(i + 1).toString(16).padStart(2, "0")}`, "type", "veth", "peer", "name", `p-${site}`, "netns", this.internetNs);
    await this.ip("-n", this.internetNs, "link", "set", `p-${site}`, "master", "br0", "up");
    await this.ip("-n", nat, "addr", "add", `${g.publicIp}/24`, "dev", "eth0");
    await this.ip("-n", nat, "link", "set", "eth0", "up");
    await this.sysctl(nat, "net.ipv4.ip_forward=1");
    const ipt = (...args: string[]) => must(["ip", "netns", "exec", nat, "iptables", "-w", ...args]);
    await ipt("-t", "nat", "-A", "POSTROUTING", "-o", "eth0", "-j", "MASQUERADE");
    await ipt("-t", "nat", "-A", "PREROUTING", "-i", "eth0", "-p", "tcp", "--dport", String(g.sshPort), "-j", "DNAT", "--to-destination", NAT_INSIDE.gateway);
  }

  /** Create the gateway namespace and its two links (public to br0, LAN to the LAN host). */
  async wireGateway(site: SiteName) {
    const g = this.gateways[site]!;
    const host = this.lanHosts[site]!;
    const port = `p-${site}`;
    const i = this.sites.indexOf(site);
    await this.newNs(g.ns);
    // Fixed MACs: a rebooted gateway keeps its MAC, so neighbours' ARP caches stay valid.
    const [m1, m2] = site === "alpha" ? ["01", "0a"] : site === "beta" ? ["02", "0b"] : [(i + 1).toString(16).padStart(2, "0"), (10 + i).toString(16).padStart(2, "0")];
    if (g.natted) {
      // Behind its router: an inside address only, the internet reached through the masquerade.
      const nat = this.natNs(site);
      await this.ip("link", "add", g.publicIf, "netns", g.ns, "address", `02:c0:00:02:00:${m1}`, "type", "veth", "peer", "name", "eth1", "netns", nat);
      await this.ip("-n", nat, "addr", "add", `${NAT_INSIDE.router}/${NAT_INSIDE.prefix}`, "dev", "eth1");
      await this.ip("-n", nat, "link", "set", "eth1", "up");
      await this.ip("-n", g.ns, "addr", "add", `${NAT_INSIDE.gateway}/${NAT_INSIDE.prefix}`, "dev", g.publicIf);
      await this.ip("-n", g.ns, "link", "set", g.publicIf, "up");
      await this.ip("-n", g.ns, "route", "add", "192.0.2.0/24", "via", NAT_INSIDE.router);
    } else {
      await this.ip("link", "add", g.publicIf, "netns", g.ns, "address", `02:c0:00:02:00:${m1}`, "type", "veth", "peer", "name", port, "netns", this.internetNs);
      await this.ip("-n", this.internetNs, "link", "set", port, "master", "br0", "up");
      await this.ip("-n", g.ns, "addr", "add", `${g.publicIp}/24`, "dev", g.publicIf);
      await this.ip("-n", g.ns, "link", "set", g.publicIf, "up");
    }
    await this.ip("link", "add", g.lanIf, "netns", g.ns, "address", `02:0a:0a:${m2}:00:01`, "type", "veth", "peer", "name", "eth0", "address", `02:0a:0a:${m2}:00:0a`, "netns", host.ns);
    await this.ip("-n", g.ns, "addr", "add", `${g.lanIp}/24`, "dev", g.lanIf);
    await this.ip("-n", g.ns, "link", "set", g.lanIf, "up");
    await this.ip("-n", host.ns, "addr", "add", `${host.ip}/24`, "dev", "eth0");
    await this.ip("-n", host.ns, "link", "set", "eth0", "up");
    await this.ip("-n", host.ns, "route", "add", "default", "via", g.lanIp);
  }

  /** Throw away the gateway's network namespace (as a reboot throws away kernel state) and rewire. */
  async resetGatewayNetwork(site: SiteName) {
    const g = this.gateways[site]!;
    await this.killNsPids(g.ns);
    // Delete the veths explicitly: namespace teardown is asynchronous and would race the re-creation.
    for (const ifname of [g.publicIf, g.lanIf]) await run(["ip", "-n", g.ns, "link", "del", ifname]);
    await run(["ip", "netns", "del", g.ns]);
    await this.wireGateway(site);
  }

  async killNsPids(ns: string) {
    const r = await run(["ip", "netns", "pids", ns]);
    for (const pid of r.stdout.split(/\s+/).filter(Boolean).map(Number)) kill(pid, "SIGKILL");
  }

  // -- gateways --------------------------------------------------------------------------------

  async prepareGatewayRoot(site: SiteName, rootfs: string, operatorPub: string) {
    const g = this.gateways[site]!;
    const root = g.machineDir;
    const p = (...s: string[]) => path.join(root, ...s);
    await fsp.mkdir(path.dirname(root), { recursive: true });
    await this.materializeRoot(rootfs, root);
    await fsp.rm(p(".wgsite-lab-complete"), { force: true });
    await must(["ssh-keygen", "-q", "-A", "-f", root]);
    await fsp.writeFile(p("etc/machine-id"), randomBytes(16).toString("hex") + "\n");
    await fsp.writeFile(p("etc/hostname"), g.hostname + "\n");
    await fsp.writeFile(
      p("etc/hosts"),
      `127.0.0.1\tlocalhost\n127.0.1.1\t${g.hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
    );
    if (g.sshUser === "root") {
      await fsp.mkdir(p("root/.ssh"), { recursive: true, mode: 0o700 });
      await fsp.writeFile(p("root/.ssh/authorized_keys"), operatorPub, { mode: 0o600 });
    } else {
      await must(["chroot", root, "useradd", "--create-home", "--shell", "/bin/bash", "--groups", "sudo", g.sshUser]);
      await must(["chroot", root, "chpasswd"], { input: `${g.sshUser}:${g.sudoPassword}\n` });
      const home = p("home", g.sshUser);
      await fsp.mkdir(path.join(home, ".ssh"), { recursive: true, mode: 0o700 });
      await fsp.writeFile(path.join(home, ".ssh/authorized_keys"), operatorPub, { mode: 0o600 });
      await must(["chroot", root, "chown", "-R", `${g.sshUser}:${g.sshUser}`, `/home/${g.sshUser}/.ssh`]);
    }
    if (g.sshPort !== 22) await fsp.writeFile(p("etc/ssh/sshd_config.d/20-wgsite-lab-port.conf"), `Port ${g.sshPort}\n`);
    const v = variants[this.variant];
    if (v?.prepareRoot) await v.prepareRoot(site, root);
  }

  /**
   * The gateway's own root: an overlayfs over the cached rootfs (instant; the cache stays
   * untouched), or a full copy when overlayfs is unavailable or WGSITE_LAB_COPY=cp.
   */
  async materializeRoot(rootfs: string, root: string) {
    const base = path.dirname(root);
    if (process.env.WGSITE_LAB_COPY !== "cp") {
      const upper = path.join(base, "upper");
      const work = path.join(base, "work");
      await fsp.mkdir(upper, { recursive: true });
      await fsp.mkdir(work, { recursive: true });
      await fsp.mkdir(root, { recursive: true });
      const r = await run(["mount", "-t", "overlay", "overlay", "-o", `lowerdir=${rootfs},upperdir=${upper},workdir=${work}`, root]);
      if (r.code === 0) {
        this.rootMode = "overlay";
        return;
      }
      this.log(`overlayfs unavailable (${r.stderr.trim()}); copying the rootfs instead`);
      await fsp.rm(root, { recursive: true, force: true });
    }
    this.rootMode = "copy";
    await must(["cp", "-a", "--reflink=auto", rootfs, root]);
  }

  startContainer(site: SiteName) {
    const g = this.gateways[site]!;
    const rt = this.rt[site]!;
    const logFd = fs.openSync(g.consoleLog, "a");
    const proc = spawn(
      "systemd-nspawn",
      [
        "-D", g.machineDir,
        `--machine=${NS_PREFIX}${this.id}-${site}`,
        `--hostname=${g.hostname}`,
        "--register=no",
        "--keep-unit",
        `--network-namespace-path=/run/netns/${g.ns}`,
        "-b",
        "--console=passive",
        "--link-journal=no",
        "--resolv-conf=off",
        "--timezone=off",
        "--bind=/dev/net/tun",
        "--capability=CAP_NET_ADMIN",
        `--bind-ro=${this.repoDirs[site]}:/srv/repo`,
      ],
      {
        env: { ...process.env, SYSTEMD_NSPAWN_API_VFS_WRITABLE: "network" },
        detached: true,
        stdio: ["ignore", logFd, logFd],
      },
    );
    fs.closeSync(logFd);
    rt.proc = proc;
    rt.pid = proc.pid;
    rt.leader = undefined;
    rt.generation++;
    rt.exited = new Promise((resolve) => {
      proc.on("exit", (code) => {
        resolve(code);
        if (rt.proc !== proc) return;
        rt.proc = undefined;
        rt.pid = undefined;
        rt.leader = undefined;
        // 133 = the container asked to reboot (systemctl reboot inside); boot it again.
        if (code === 133 && !this.stopping) {
          rt.rebooting = (async () => {
            await this.resetGatewayNetwork(site);
            if (this.stopping) return;
            this.startContainer(site);
            await this.writeState().catch(() => {});
          })().catch((e) => this.log(`reboot of ${site} failed: ${e}`));
        } else if (!this.stopping) {
          this.log(`gateway ${site} container exited with ${code}; see ${g.consoleLog}`);
        }
      });
    });
    proc.on("error", (e) => this.log(`systemd-nspawn for ${site}: ${e}`));
  }

  /** PID (host view) of the container's init, for nsenter. */
  async leader(site: SiteName, timeoutMs = 20_000): Promise<number> {
    const rt = this.rt[site]!;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (rt.leader && alive(rt.leader)) return rt.leader;
      const pid = rt.pid;
      if (pid) {
        try {
          const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean);
          const myPidNs = fs.readlinkSync("/proc/self/ns/pid");
          for (const k of kids) {
            const comm = fs.readFileSync(`/proc/${k}/comm`, "utf8").trim();
            // systemd, or sysvinit's init on an OpenRC gateway.
            if ((comm === "systemd" || comm === "init") && fs.readlinkSync(`/proc/${k}/ns/pid`) !== myPidNs) {
              rt.leader = Number(k);
              return rt.leader;
            }
          }
        } catch {}
      }
      if (Date.now() > deadline) throw new Error(`gateway ${site}: container is not running`);
      await sleep(50);
    }
  }

  async inNs(ns: string, argv: string[], opts: RunOptions = {}): Promise<ExecResult> {
    return run(["ip", "netns", "exec", ns, ...argv], opts);
  }

  async inGateway(site: SiteName, shellCmd: string, opts: RunOptions = {}): Promise<ExecResult> {
    const leader = await this.leader(site);
    const env = { HOME: "/root", LANG: "C.UTF-8", TERM: "dumb", PATH: CONTAINER_PATH, ...opts.env };
    return run(
      ["nsenter", "-t", String(leader), "-a", "env", "-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "/bin/sh", "-c", shellCmd],
      { input: opts.input, timeoutMs: opts.timeoutMs },
    );
  }

  async ssh(site: SiteName, shellCmd: string, opts: RunOptions = {}): Promise<ExecResult> {
    return this.inNs(
      this.operatorNs,
      ["ssh", "-F", this.sshConfigFile, "-o", "BatchMode=yes", this.gateways[site]!.sshHost, shellCmd],
      opts,
    );
  }

  async waitForSsh(site: SiteName, timeoutMs = 90_000) {
    const deadline = Date.now() + timeoutMs;
    let last: ExecResult | undefined;
    while (Date.now() < deadline) {
      if (this.stopping) throw new Error("lab is being torn down");
      last = await this.inNs(
        this.operatorNs,
        ["ssh", "-F", this.sshConfigFile, "-o", "BatchMode=yes", "-o", "ConnectTimeout=2", this.gateways[site]!.sshHost, "true"],
        { timeoutMs: 10_000 },
      );
      if (last.code === 0) return;
      await sleep(150);
    }
    throw new Error(`ssh to ${site} gateway did not come up in ${timeoutMs} ms: ${last?.stderr}\nconsole (${this.gateways[site]!.consoleLog}), last lines:\n${this.consoleTail(site)}`);
  }

  consoleTail(site: SiteName, lines = 15): string {
    try {
      return fs.readFileSync(this.gateways[site]!.consoleLog, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no console log)";
    }
  }

  /**
   * First boot: a gateway answers ssh in about a second; on a loaded machine one occasionally never
   * does (seen in CI with two labs booting side by side). It gets one fresh boot before the lab gives up.
   */
  async bootOnce(site: SiteName) {
    try {
      await this.waitForSsh(site, 30_000);
      return;
    } catch (error) {
      if (this.stopping) throw error;
      this.log(`gateway ${site} did not answer ssh within 30 s; booting it again\n${(error as Error).message}`);
    }
    await this.stopContainer(site, 0);
    await this.resetGatewayNetwork(site);
    this.startContainer(site);
    await this.writeState();
    await this.waitForSsh(site);
  }

  async restartGateway(site: SiteName) {
    const rt = this.rt[site]!;
    const gen = rt.generation;
    const exited = rt.exited;
    const reboot = this.gateways[site].os.init === "openrc" ? "reboot" : "systemctl reboot";
    await this.inGateway(site, reboot, { timeoutMs: 15_000 }).catch(() => {});
    const code = await Promise.race([exited, sleep(60_000).then(() => "timeout" as const)]);
    if (code === "timeout") {
      this.log(`gateway ${site} did not reboot in time; killing it`);
      await this.stopContainer(site, 0);
    }
    if (rt.rebooting) await rt.rebooting;
    if (rt.generation === gen) {
      // Exited some other way (or timed out): restart by hand with a fresh network namespace.
      await this.resetGatewayNetwork(site);
      this.startContainer(site);
      await this.writeState();
    }
    await this.waitForSsh(site);
  }

  /** SIGTERM nspawn (clean poweroff of the container), SIGKILL after graceMs. */
  async stopContainer(site: SiteName, graceMs = 8_000) {
    const rt = this.rt[site]!;
    // sysvinit ignores the SIGRTMIN+3 nspawn sends for a clean poweroff; nothing to wait for.
    if (this.gateways[site]?.os.init === "openrc") graceMs = Math.min(graceMs, 500);
    const pid = rt.pid;
    if (!pid) return;
    const leader = rt.leader ?? (await this.leader(site, 0).catch(() => undefined));
    const exited = rt.exited;
    rt.proc = undefined; // the exit handler must not treat this as a reboot
    if (graceMs > 0) {
      kill(pid, "SIGTERM");
      await Promise.race([exited, sleep(graceMs)]);
    }
    if (alive(pid)) {
      kill(leader, "SIGKILL");
      kill(pid, "SIGKILL");
      await Promise.race([exited, sleep(3000)]);
    }
    rt.pid = undefined;
    rt.leader = undefined;
  }

  async teardown() {
    if (this.tornDown) return;
    this.stopping = true;
    await Promise.all(this.sites.map((s) => this.rt[s]!.rebooting?.catch(() => {})));
    await Promise.all(this.sites.map((s) => this.stopContainer(s)));
    for (const ns of this.allNamespaces()) await this.killNsPids(ns);
    for (const ns of this.allNamespaces()) await run(["ip", "netns", "del", ns]);
    await this.saveLogs();
    await rmTree(this.dir);
    this.tornDown = true;
    liveLabs.delete(this);
  }

  /** With WGSITE_LAB_LOGS_DIR set (e.g. in CI), keep the gateways' console logs after teardown. */
  async saveLogs() {
    const to = process.env.WGSITE_LAB_LOGS_DIR;
    if (!to) return;
    try {
      await fsp.mkdir(to, { recursive: true });
      for (const site of this.sites) {
        const g = this.gateways[site]!;
        if (fs.existsSync(g.consoleLog)) await fsp.copyFile(g.consoleLog, path.join(to, `${NS_PREFIX}${this.id}-${site}-console.log`));
      }
    } catch (e) {
      this.log(`could not save logs: ${e}`);
    }
  }

  /** Synchronous best-effort teardown for exit/signal handlers. */
  teardownSync() {
    if (this.tornDown) return;
    this.stopping = true;
    const pids = this.sites.map((s) => this.rt[s]!.pid).filter((p): p is number => !!p);
    for (const p of pids) kill(p, "SIGTERM");
    const deadline = Date.now() + 5000;
    while (pids.some(alive) && Date.now() < deadline) sleepSync(100);
    for (const s of this.sites) {
      kill(this.rt[s]!.leader, "SIGKILL");
      kill(this.rt[s]!.pid, "SIGKILL");
    }
    for (const ns of this.allNamespaces()) {
      const r = runSync(["ip", "netns", "pids", ns]);
      for (const pid of r.stdout.split(/\s+/).filter(Boolean).map(Number)) kill(pid, "SIGKILL");
    }
    for (const ns of this.allNamespaces()) runSync(["ip", "netns", "del", ns]);
    for (const m of mountsUnder(this.dir)) runSync(["umount", "-l", m]);
    try {
      if (!mountsUnder(this.dir).length) fs.rmSync(this.dir, { recursive: true, force: true });
    } catch {}
    this.tornDown = true;
    liveLabs.delete(this);
  }

  siteYaml(sites?: readonly SiteName[]): string {
    return siteYamlFor(this, sites);
  }
}

/** Mount points at or below dir, deepest first. */
export function mountsUnder(dir: string): string[] {
  try {
    return fs
      .readFileSync("/proc/self/mounts", "utf8")
      .split("\n")
      .map((l) => l.split(" ")[1]?.replace(/\\040/g, " "))
      .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + "/")))
      .sort((a, b) => b.length - a.length);
  } catch {
    return [];
  }
}

/** rm -rf that never descends into mounts (an interrupted debootstrap leaves proc/sys mounted). */
async function rmTree(dir: string) {
  await unmountUnder(dir);
  if (mountsUnder(dir).length) throw new Error(`refusing to remove ${dir}: still has mounts`);
  await fsp.rm(dir, { recursive: true, force: true });
}

async function unmountUnder(dir: string) {
  for (const m of mountsUnder(dir)) {
    const r = await run(["umount", m]);
    if (r.code !== 0) await run(["umount", "-l", m]);
  }
}

/**
 * The reference design as a wgsite site file for this lab: the gateways by their Host aliases in
 * the lab's ssh_config (pass `--ssh-config`), endpoints on the lab's "internet".
 */
function siteYamlFor(lab: LabImpl, only?: readonly SiteName[]): string {
  const gw = (site: SiteName, iface: string) => {
    const g = lab.gateways[site]!;
    return [`  ${site}:`, `    lan: [${g.lanCidr}]`, `    endpoint: ${g.natted ? "none" : g.publicIp}`, `    interface: ${iface}`, `    ssh: ${g.sshHost}`];
  };
  const sites = only ?? lab.sites;
  // One transfer net for every gateway the lab has, so adding a site later changes only peers.
  const prefix = sites.length === 2 ? 31 : lab.sites.length <= 6 ? 29 : 28;
  return [
    `# wgsite site file for test lab ${lab.id}; run with --ssh-config ${lab.sshConfigFile}`,
    "tunnel:",
    `  network: 10.10.9.0/${prefix}`,
    "  port: 51000",
    "sites:",
    ...sites.flatMap((site) => gw(site, `wg${String.fromCharCode(65 + lab.sites.indexOf(site))}`)),
    "",
  ].join("\n");
}

function labId(): string {
  return randomBytes(3).toString("hex").slice(0, 5);
}

function toPublic(impl: LabImpl): Lab {
  return {
    get id() { return impl.id; },
    get dir() { return impl.dir; },
    get operatorNs() { return impl.operatorNs; },
    get internetNs() { return impl.internetNs; },
    get operatorIp() { return ADDR.operator; },
    get gateways() { return impl.gateways; },
    get lanHosts() { return impl.lanHosts; },
    get sites() { return impl.sites; },
    get identityFile() { return impl.identityFile; },
    get sshConfigFile() { return impl.sshConfigFile; },
    get knownHostsFile() { return impl.knownHostsFile; },
    get variant() { return impl.variant; },
    get rootMode() { return impl.rootMode; },
    get timings() { return impl.timings; },
    siteYaml: (sites) => impl.siteYaml(sites),
    inNs: (ns, argv, opts) => impl.inNs(ns, argv, opts),
    inGateway: (site, cmd, opts) => impl.inGateway(site, cmd, opts),
    ssh: (site, cmd, opts) => impl.ssh(site, cmd, opts),
    restartGateway: (site) => impl.restartGateway(site),
    describe: () => impl.describe(),
    teardown: () => impl.teardown(),
  };
}

export type CreateLabOptions = {
  variant?: string;
  /** Gateways: 2 (alpha, beta; the default) up to MAX_LAB_SITES (then EXTRA_SITES in order). */
  sites?: number;
  /** Sites whose gateway sits behind a NAT router with no public address of its own. */
  natted?: readonly SiteName[];
  /**
   * The gateways' Debian release and init: "trixie" for both, "bookworm,trixie" for alpha,beta,
   * or per site; "-openrc" boots a gateway with OpenRC. Default: WGSITE_LAB_OS, else bookworm.
   * Gateways past alpha and beta run the default.
   */
  os?: string | Partial<Record<Site, string>>;
  /** Progress messages (default: silent). */
  log?: (s: string) => void;
};

/** One repository look-up per release even when both gateways run it. */
const repoLookups = new Map<Suite, Promise<string>>();
function repoOnce(log: (s: string) => void, suite: Suite): Promise<string> {
  let r = repoLookups.get(suite);
  if (!r) {
    r = ensureRepo(log, suite).finally(() => repoLookups.delete(suite));
    repoLookups.set(suite, r);
  }
  return r;
}

export async function createLab(opts: CreateLabOptions = {}): Promise<Lab> {
  const reason = labSkipReason();
  if (reason) throw new Error(`cannot create lab: ${reason}`);
  const variant = opts.variant ?? "bare";
  if (!variants[variant]) throw new Error(`unknown lab variant ${variant} (known: ${Object.keys(variants).join(", ")})`);
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const mark = (k: string, since: number) => (timings[k] = Math.round(performance.now() - since));

  const os = labGatewayOs(opts.os ?? process.env.WGSITE_LAB_OS);

  // Caches first (nothing to clean up if they fail).
  let t = performance.now();
  const [rootfsBySite, repoBySite] = await Promise.all([
    Promise.all(SITES.map((s) => ensureRootfs(log, os[s]))).then((r) => (mark("rootfsMs", t), r)),
    Promise.all(SITES.map((s) => repoOnce(log, os[s].suite))).then((r) => (mark("repoMs", t), r)),
  ]);
  const rootfs = { alpha: rootfsBySite[0]!, beta: rootfsBySite[1]! };
  // More than two gateways: the others boot the default Debian (cached like the rest).
  const [defaultRoot, defaultRepo] = (opts.sites ?? 2) > 2 ? await Promise.all([ensureRootfs(log, DEFAULT_OS), repoOnce(log, DEFAULT_OS.suite)]) : [undefined, undefined];

  let id = labId();
  while (fs.existsSync(path.join(LABS_DIR, `${NS_PREFIX}${id}`))) id = labId();
  const count = opts.sites ?? 2;
  if (!Number.isInteger(count) || count < 2 || count > MAX_LAB_SITES) throw new Error(`a lab has 2 to ${MAX_LAB_SITES} gateways, not ${count}`);
  const impl = new LabImpl(id, variant, log, count, opts.natted ?? [], os);
  impl.timings = timings;
  impl.repoDirs = { alpha: repoBySite[0]!, beta: repoBySite[1]!, ...Object.fromEntries(impl.sites.filter((x) => x !== "alpha" && x !== "beta").map((x) => [x, defaultRepo!])) };
  installHandlers();
  liveLabs.add(impl);
  const lab = toPublic(impl);
  try {
    await fsp.mkdir(impl.dir, { recursive: true, mode: 0o700 });
    await impl.writeState();
    await must(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", `wgsite-lab-${id}`, "-f", impl.identityFile]);
    const operatorPub = await fsp.readFile(impl.identityFile + ".pub", "utf8");

    t = performance.now();
    const rootOf = (s: SiteName) => (s === "alpha" || s === "beta" ? rootfs[s] : defaultRoot!);
    await Promise.all(impl.sites.map((s) => impl.prepareGatewayRoot(s, rootOf(s), operatorPub)));
    mark("copyMs", t);

    // known_hosts and ssh_config
    const known: string[] = [];
    for (const site of impl.sites) {
      const g = impl.gateways[site]!;
      const hostPat = g.sshPort === 22 ? g.publicIp : `[${g.publicIp}]:${g.sshPort}`;
      for (const f of (await fsp.readdir(path.join(g.machineDir, "etc/ssh"))).sort())
        if (/^ssh_host_.*_key\.pub$/.test(f)) {
          const [type, key] = (await fsp.readFile(path.join(g.machineDir, "etc/ssh", f), "utf8")).trim().split(/\s+/);
          known.push(`${hostPat} ${type} ${key}`);
        }
    }
    await fsp.writeFile(impl.knownHostsFile, known.join("\n") + "\n");
    await fsp.writeFile(
      impl.sshConfigFile,
      impl.sites.map((s) => {
        const g = impl.gateways[s]!;
        return [
          `Host ${g.sshHost}`,
          `  HostName ${g.publicIp}`,
          `  Port ${g.sshPort}`,
          `  User ${g.sshUser}`,
          `  IdentityFile ${impl.identityFile}`,
          `  IdentitiesOnly yes`,
          `  UserKnownHostsFile ${impl.knownHostsFile}`,
          `  GlobalKnownHostsFile /dev/null`,
          `  StrictHostKeyChecking yes`,
          `  ConnectTimeout 10`,
          `  LogLevel ERROR`,
          "",
        ].join("\n");
      }).join("\n"),
    );

    await impl.createStaticNetwork();
    for (const site of impl.sites) await impl.wireGateway(site);

    t = performance.now();
    for (const site of impl.sites) impl.startContainer(site);
    await impl.writeState();
    await Promise.all(impl.sites.map((s) => impl.bootOnce(s)));
    mark("bootToSshMs", t);

    const v = variants[variant]!;
    if (v.afterBoot) {
      t = performance.now();
      await v.afterBoot(lab);
      mark("variantMs", t);
    }
    mark("totalMs", t0);
    await impl.writeState();
    return lab;
  } catch (e) {
    await impl.teardown().catch(() => impl.teardownSync());
    throw e;
  }
}
