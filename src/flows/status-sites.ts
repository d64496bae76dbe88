import type { Options } from "../args.ts";
import type { Site } from "../core/site.ts";
import type { GatewaySession } from "../remote/gateways.ts";

/** `wgsite status` for more than two sites: one line per pair above each gateway's detail. */
export async function statusSites(_site: Site, _sessions: readonly GatewaySession[], _options: Options, _color: boolean): Promise<number> {
  throw new Error("not yet");
}
