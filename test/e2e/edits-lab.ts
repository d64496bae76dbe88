/**
 * What the edits e2e needs around a lab: site files built from a list of edits, the extra addresses
 * those edits use, a 10/s ping stream between the LAN hosts, the units' invocation ids (a restart
 * changes them), and the state a fresh lab's apply of a site file gives.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { labState, type GatewayState } from "../lab/gateway-state.ts";
import { createLab, type Lab, type Site } from "../lab/lab.ts";
import { wgsite, type RunResult } from "./run-wgsite.ts";

/** The reference design's knobs that the edits turn. */
export type Edit = {
  readonly port: number;
  readonly keepalive?: number;
  readonly presharedKey?: boolean;
  readonly mtu?: number;
  readonly alphaLans: readonly string[];
  readonly betaEndpoint?: string;
  readonly restrictPort: boolean;
  readonly block: readonly { proto: "tcp" | "udp" | "icmp"; port?: number }[];
  readonly interfaces: { readonly alpha: string; readonly beta: string };
};

export const REFERENCE: Edit = {
  port: 51000,
  alphaLans: ["10.10.10.0/24"],
  restrictPort: true,
  block: [],
  interfaces: { alpha: "wgA", beta: "wgB" },
};

/** A second LAN behind alpha and a second public address of beta, for the LAN and endpoint edits. */
export const SECOND_ALPHA_LAN = { cidr: "10.10.12.0/24", gatewayIp: "10.10.12.1" };
export const SECOND_BETA_ENDPOINT = "192.0.2.12";

/** Gives a lab's gateways the extra addresses the edits name, and lets the LAN hosts talk to their gateways. */
export async function prepareLab(lab: Lab): Promise<void> {
  const must = async (p: Promise<{ code: number; stderr: string }>, what: string) => {
    const r = await p;
    if (r.code !== 0) throw new Error(`${what}: ${r.stderr}`);
  };
  await must(lab.inNs(lab.gateways.alpha.ns, ["ip", "addr", "add", `${SECOND_ALPHA_LAN.gatewayIp}/24`, "dev", lab.gateways.alpha.lanIf]), "second LAN on alpha");
  await must(lab.inNs(lab.gateways.beta.ns, ["ip", "addr", "add", `${SECOND_BETA_ENDPOINT}/24`, "dev", lab.gateways.beta.publicIf]), "second address on beta");
  for (const side of ["alpha", "beta"] as const) await lab.inNs(lab.lanHosts[side].ns, ["ping", "-c1", "-W1", lab.gateways[side].lanIp]);
}

export function siteYaml(lab: Lab, e: Edit): string {
  const gw = (site: Site, lans: readonly string[], endpoint: string) => [
    `  ${site}:`,
    `    lan: [${lans.join(", ")}]`,
    `    endpoint: ${endpoint}`,
    `    interface: ${e.interfaces[site]}`,
    `    ssh: ${lab.gateways[site].sshHost}`,
  ];
  return [
    "tunnel:",
    "  network: 10.10.9.0/31",
    `  port: ${e.port}`,
    ...(e.keepalive !== undefined ? [`  keepalive: ${e.keepalive}`] : []),
    ...(e.mtu !== undefined ? [`  mtu: ${e.mtu}`] : []),
    ...(e.presharedKey ? ["  presharedKey: true"] : []),
    "sites:",
    ...gw("alpha", e.alphaLans, lab.gateways.alpha.publicIp),
    ...gw("beta", [lab.gateways.beta.lanCidr], e.betaEndpoint ?? lab.gateways.beta.publicIp),
    "firewall:",
    `  restrictPort: ${e.restrictPort}`,
    ...(e.block.length > 0 ? ["  block:", ...e.block.map((b) => `    - { proto: ${b.proto}${b.port !== undefined ? `, port: ${b.port}` : ""} }`)] : []),
    "",
  ].join("\n");
}

export function writeSite(lab: Lab, name: string, e: Edit): string {
  const file = join(lab.dir, `${name}.yaml`);
  writeFileSync(file, siteYaml(lab, e));
  return file;
}

export const apply = (lab: Lab, file: string, extra: string[] = []): Promise<RunResult> => wgsite(lab, ["apply", "--yes", "--json", "-c", file, ...extra]);

/** The state a fresh lab (prepared the same way) is in after one apply of the edit; the lab is torn down. */
export async function freshState(e: Edit): Promise<{ state: { alpha: GatewayState; beta: GatewayState }; ms: number }> {
  const t = performance.now();
  const lab = await createLab();
  try {
    await prepareLab(lab);
    const r = await apply(lab, writeSite(lab, "fresh", e));
    if (r.code !== 0) throw new Error(`the fresh lab's apply exited ${r.code}:\n${r.stderr.split("\n").slice(-15).join("\n")}`);
    return { state: await labState(lab), ms: performance.now() - t };
  } finally {
    await lab.teardown();
  }
}

/** systemd's InvocationID of each wg-quick@ unit: a new one means the unit was restarted. */
export async function invocations(lab: Lab, e: Edit): Promise<Record<Site, string>> {
  const id = async (site: Site) => (await lab.inGateway(site, `systemctl show -p InvocationID --value wg-quick@${e.interfaces[site]}`)).stdout.trim();
  return { alpha: await id("alpha"), beta: await id("beta") };
}

export type PingStream = {
  /** False when no reply came within 5 s of starting: the tunnel was already broken before the change. */
  readonly ready: boolean;
  stop(): Promise<{ sent: number; received: number; lost: number[]; output: string }>;
};

/**
 * `ping -i 0.1` from alpha's LAN host to beta's, ready once the first reply is in. stop() waits a
 * second so replies to what was sent during the change can arrive, then reports the sequence numbers
 * that never got one (up to the last answered, so the packet in flight at SIGINT is not counted).
 */
export async function pingStream(lab: Lab): Promise<PingStream> {
  const child = spawn("ip", ["netns", "exec", lab.lanHosts.alpha.ns, "ping", "-n", "-i", "0.1", "-W", "1", lab.lanHosts.beta.ip], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const replies = () => [...output.matchAll(/bytes from .* icmp_seq=(\d+)/g)].map((m) => Number(m[1]));
  const end = Date.now() + 5000;
  while (replies().length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  const first = replies()[0];
  return {
    ready: first !== undefined,
    async stop() {
      await new Promise((r) => setTimeout(r, 1000));
      child.kill("SIGINT");
      await closed;
      const got = new Set(replies());
      const from = first ?? 1;
      const last = Math.max(from - 1, ...got);
      const lost: number[] = [];
      for (let s = from; s <= last; s++) if (!got.has(s)) lost.push(s);
      return { sent: last - from + 1, received: got.size, lost, output };
    },
  };
}

/** Every string in a value, for looking for what a report says without knowing its field names. */
export function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}
