import type { HostFacts } from "../../../src/core/host-facts.ts";
import type { Site } from "../../../src/core/site.ts";
import type { Connection, ExecOptions, ExecResult } from "../../../src/remote/connection.ts";
import type { GatewaySession } from "../../../src/remote/gateways.ts";

export type Call = { readonly script: string; readonly stdin?: string };

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
    private readonly options: { failStep?: string; failVerify?: boolean } = {},
  ) {}

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push({ script, ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }) });
    this.stats.roundTrips++;
    const out: string[] = [];
    for (const [, id] of script.matchAll(/^echo "@@wgsite-step start (\S+)"$/gm)) {
      if (id === "verify") {
        const code = this.options.failVerify ? 1 : 0;
        out.push("@@wgsite-step start verify", `@@wgsite-check handshake ${code} ${code ? "no handshake yet" : "1 s ago"}`, `@@wgsite-check tunnel-ping ${code} 10.10.9.1`, "@@wgsite-step end verify 0");
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

export function fakeSession(site: Site, index: 0 | 1, facts: HostFacts, conn: FakeGateway): GatewaySession {
  return { def: site.sites[index], index, conn, root: conn, facts, release: () => undefined, jumpHosts: [] };
}

/** The files a batch writes, decoded from the executor's base64 temp-file writes. */
export function writtenFiles(script: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const [, b64, path] of script.matchAll(/printf %s (\S+) \| base64 -d > (\S+)\.wgsite-tmp/g)) files.set(path!, Buffer.from(b64!, "base64").toString("utf8"));
  return files;
}
