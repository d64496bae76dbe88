import type { Connection } from "../remote/connection.ts";
import { isHostLiteral, parseStatus, ProbeError, PROBE_ENV, tickBody, type KnownSums, type ProbeCache } from "./probe.ts";
import { HeldScript, REPLY_END } from "./held-script.ts";
import type { ProbeTargets, StatusSample } from "./sample.ts";


/** The checksums travel with each request; the loop's shell reads them into these variables. */
const KNOWN: KnownSums = { addresses: '"$ka"', firewall: '"$kf"', hosts: "$hosts" };

/**
 * The live pane's probe loop on the gateway: both kinds of tick as shell functions, run once per
 * request line ("L" light or "H" heavy, then the checksums the client holds). The probes read
 * /dev/null, so none of them can eat the next request.
 */
export function watchScript(t: ProbeTargets): string {
  const fn = (name: string, heavy: boolean) => `${name}() {\no=$(\n${tickBody(t, { heavy }, KNOWN)}\n)\nprintf '%s\\n${REPLY_END}\\n' "$o"\n}`;
  return [
    PROBE_ENV,
    fn("light", false),
    fn("heavy", true),
    `while IFS=' ' read -r kind ka kf hosts; do case "$kind" in L) light </dev/null ;; H) heavy </dev/null ;; *) exit 0 ;; esac; done`,
  ].join("\n");
}

/** The request line for one tick; a heavy one names the other LAN's hosts to ping. */
export function tickRequest(heavy: boolean, cache: ProbeCache, hosts: readonly string[] = []): string {
  const ping = heavy ? hosts.filter(isHostLiteral) : [];
  return `${[heavy ? "H" : "L", cache.addresses?.sum ?? "none", cache.firewall?.sum ?? "none", ...ping].join(" ")}\n`;
}

/** The live pane's probe loop of one gateway (two sites), on a held script (held-script.ts). */
export class ProbeWatch {
  private readonly held: HeldScript;

  constructor(
    private readonly root: Connection,
    readonly targets: ProbeTargets,
  ) {
    this.held = new HeldScript(root, watchScript(targets));
  }

  /** One tick: its report parsed, `cache` filling in the sections the gateway reported unchanged. */
  async tick(heavy: boolean, cache: ProbeCache, timeoutMs: number, hosts: readonly string[] = []): Promise<{ sample: StatusSample; cache: ProbeCache }> {
    const text = await this.held.request(tickRequest(heavy, cache, hosts), timeoutMs);
    if (!text.includes("@@wgsite-fact clock")) throw new ProbeError(`${this.root.label}: the status probe did not run: ${text.trim().split("\n")[0] ?? ""}`);
    return parseStatus(text, this.targets, cache);
  }

  /** Ends the loop on the gateway (its stdin closes); a tick still waiting fails. */
  close(): void {
    this.held.close();
  }
}
