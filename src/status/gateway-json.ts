import type { SiteDef } from "../core/site.ts";
import type { Check } from "./checks.ts";

/**
 * The parts of a gateway's `--json` entry that two sites and more share, so a script reads one shape:
 * who the gateway is and whether it was reached, and each check (with more than two sites, the
 * other site it is about as `pair`).
 */
export function gatewayJsonHead(def: SiteDef, error: string | undefined) {
  return { site: def.name, ssh: def.ssh, interface: def.interface, reachable: !error, ...(error ? { error } : {}) };
}

export function checkJson(c: Check & { readonly pair?: string }) {
  return { id: c.id, ...(c.pair ? { pair: c.pair } : {}), title: c.title, status: c.status, detail: c.detail, ...(c.hint ? { hint: c.hint } : {}) };
}
