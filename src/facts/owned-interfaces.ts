import { decodeFile, defineFact } from "./fact.ts";

export type OwnedInterface = { readonly interface: string; readonly site: string; readonly journal: unknown };

/**
 * Every interface a wgsite journal on the gateway speaks for, with that journal: a site file that
 * renames its interface finds the old one here, as wgsite's own, and migrates it instead of
 * refusing it (keeping what the journal knew of the gateway before wgsite's first run).
 */
export const ownedInterfaces = defineFact({
  id: "owned-interfaces",
  command: () => `for f in /var/lib/wgsite/*.json; do [ -f "$f" ] && printf '%s %s\\n' "$(basename "$f" .json)" "$(base64 -w0 < "$f")"; done`,
  parse: (out): OwnedInterface[] =>
    out.split("\n").flatMap((line) => {
      const [iface, b64] = line.trim().split(" ");
      if (!iface || !b64 || !/^[A-Za-z0-9_.=+-]{1,15}$/.test(iface)) return [];
      try {
        const journal = JSON.parse(decodeFile(b64) ?? "") as { managedBy?: unknown; site?: unknown };
        return journal?.managedBy === "wgsite" && typeof journal.site === "string" ? [{ interface: iface, site: journal.site, journal }] : [];
      } catch {
        return [];
      }
    }),
});
