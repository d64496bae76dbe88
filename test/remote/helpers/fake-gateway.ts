import type { HostFacts } from "../../../src/core/host-facts.ts";
import type { Site } from "../../../src/core/site.ts";
import type { Connection, ExecOptions, ExecResult } from "../../../src/remote/connection.ts";
import type { GatewaySession } from "../../../src/remote/gateways.ts";

export type Call = { readonly script: string; readonly stdin?: string };

const section = (id: string, body: string) => `@@wgsite-fact ${id}\n${body}\n\n@@wgsite-fact-end`;

/**
 * What the verification probe prints on a gateway whose tunnel works (the shape of the real captures
 * in test/fixtures/status), or, with `broken`, one whose peer never answers.
 */
export function probeOutput(site: Site, index: 0 | 1, keys: readonly [string, string], broken = false): string {
  const self = site.sites[index];
  const other = site.sites[index === 0 ? 1 : 0];
  const net = site.tunnel.network;
  const [own, peerAddr] = index === 0 ? ["10.10.9.0", "10.10.9.1"] : ["10.10.9.1", "10.10.9.0"];
  const lan = self.lan[0]!.text.replace(/\.0\/24$/, ".1");
  const remote = other.lan[0]!.text.replace(/\.0\/24$/, ".1");
  const clock = 1795617831;
  const ping = (to: string, ok: boolean) => `PING ${to} (${to}) 56(84) bytes of data.\n\n--- ${to} ping statistics ---\n1 packets transmitted, ${ok ? 1 : 0} received, ${ok ? 0 : 100}% packet loss, time 0ms${ok ? "\nrtt min/avg/max/mdev = 0.482/0.482/0.482/0.000 ms" : ""}`;
  const allowed = [...other.lan.map((l) => l.text), net.text].join(",");
  const peerLine = [keys[index === 0 ? 1 : 0], site.tunnel.presharedKey ? "(hidden)" : "(none)", `${other.endpoint.host}:${other.endpoint.port}`, allowed, broken ? 0 : clock - 1, 100, 100, site.tunnel.keepalive || "off"].join("\t");
  return [
    section("clock", String(clock)),
    section("init", "systemd"),
    section("tunnel-ping", ping(peerAddr, !broken)),
    section("lan-ping", ping(remote, !broken)),
    section("wg", `(hidden)\t${keys[index]}\t${self.endpoint.port}\toff\n${peerLine}`),
    section("link", `5: ${self.interface}: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc noqueue state UNKNOWN`),
    section("unit", "enabled\nactive"),
    section("ip-forward", "1\n\nnet.ipv4.ip_forward = 1"),
    section("rp-filter", "0\n0\n0"),
    section("addresses", `@@sum 1-1\n2: eth0    inet ${self.endpoint.host}/24 scope global eth0\n3: eth1    inet ${lan}/24 scope global eth1\n5: ${self.interface}    inet ${own}/${net.prefix} scope global ${self.interface}`),
    section("routes", `@@to ${remote}\n${remote} dev ${self.interface} src ${own} uid 0`),
    section("firewall", "@@sum 2-2\n@@version\niptables v1.8.9 (nf_tables)\n@@iptables\n@@nft\n@@ufw\n@@firewalld"),
  ].join("\n");
}

/**
 * A gateway that runs nothing: it answers a batch as a gateway whose steps all succeed would, with
 * the public key it holds and the verification checks it is told to report, and keeps every
 * script and stdin it was sent, so tests can read what the executor would have run.
 */
export class FakeGateway implements Connection {
  readonly calls: Call[] = [];
  readonly stats = { roundTrips: 0, bytesIn: 0, bytesOut: 0, connections: 1 };
  constructor(
    readonly label: string,
    readonly publicKey: string,
    /** What the verification probe prints (probeOutput); none: the probe never ran. */
    private readonly options: { failStep?: string; probe?: string } = {},
  ) {}

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push({ script, ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }) });
    this.stats.roundTrips++;
    const out: string[] = [];
    for (const [, id] of script.matchAll(/^echo "@@wgsite-step start (\S+)"$/gm)) {
      if (id === "verify") {
        out.push("@@wgsite-step start verify", ...(this.options.probe ? [this.options.probe] : []), "@@wgsite-step end verify 0");
        continue;
      }
      const failed = id === this.options.failStep;
      out.push(`@@wgsite-step start ${id}`, ...(failed ? ["boom"] : []), `@@wgsite-step end ${id} ${failed ? 1 : 0}`);
      if (failed) break;
    }
    if (script.includes("@@wgsite-pubkey")) out.push(`@@wgsite-pubkey ${this.publicKey}`);
    const stdout = out.length ? `${out.join("\n")}\n` : "";
    opts.onStdout?.(stdout);
    return { stdout, stderr: "", code: out.some((l) => / [1-9]$/.test(l) && l.startsWith("@@wgsite-step end")) ? 10 : 0 };
  }

  async close(): Promise<void> {}
}

/** Both gateways of a site, each answering its verification probe as a working tunnel would (or `broken`). */
export function fakePair(site: Site, keys: readonly [string, string], options: { broken?: "alpha" | "beta"; failStep?: [string, string] } = {}): readonly [FakeGateway, FakeGateway] {
  const one = (i: 0 | 1) => {
    const name = site.sites[i].name;
    const broken = options.broken !== undefined;
    return new FakeGateway(name, keys[i], { probe: probeOutput(site, i, keys, broken), ...(options.failStep?.[0] === name ? { failStep: options.failStep[1] } : {}) });
  };
  return [one(0), one(1)];
}

export function fakeSession(site: Site, index: 0 | 1, facts: HostFacts, conn: FakeGateway): GatewaySession {
  return { def: site.sites[index], index, conn, root: conn, facts, release: () => undefined, jumpHosts: [] };
}

/** The files a batch writes, decoded from the executor's base64 temp-file writes. */
export function writtenFiles(script: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const [, b64, path] of script.matchAll(/printf %s (\S+) \| base64 -d > (\S+)\.wgsite-tmp/g)) files.set(path!, Buffer.from(b64!, "base64").toString("utf8"));
  return files;
}
