import { sysctlPath } from "../core/plan.ts";
import { reresolvePaths } from "../core/reresolve.ts";
import { decodeFile, defineFact, fileCapture, type FactContext } from "./fact.ts";

/** The non-secret files wgsite writes besides the config, so reruns can compare them. */
export function managedPaths(ctx: FactContext): string[] {
  return [sysctlPath(ctx.iface), `/etc/wireguard/${ctx.iface}.nft`, ...reresolvePaths(ctx.iface)];
}

export const managedFiles = defineFact({
  id: "managed-files",
  // Exactly one line per path: a missing file's "-" comes with its own newline, base64's without.
  command: (ctx) => managedPaths(ctx).map((p) => `printf '%s\\n' "$(${fileCapture(p)})"`).join("; "),
  parse: (out, ctx) => {
    const parts = out.split("\n");
    const result: Record<string, string | undefined> = {};
    managedPaths(ctx).forEach((p, i) => (result[p] = decodeFile(parts[i] ?? "")));
    return result;
  },
});
