import { defineFact } from "./fact.ts";

export const rpFilter = defineFact({
  id: "rp-filter",
  command: (ctx) =>
    `for k in all default ${ctx.iface}; do cat /proc/sys/net/ipv4/conf/$k/rp_filter 2>/dev/null || echo -; done; grep -rlsE 'rp_filter[[:space:]]*=[[:space:]]*2' /etc/sysctl.d /etc/sysctl.conf 2>/dev/null | head -n 1`,
  parse: (out) => {
    const [all, def, iface, persisted] = out.split("\n").map((l) => l.trim());
    const num = (s: string | undefined) => (s && /^\d$/.test(s) ? Number(s) : undefined);
    return { all: num(all) ?? 0, default: num(def) ?? 0, ...(num(iface) === undefined ? {} : { iface: num(iface) }), persisted: Boolean(persisted) };
  },
});
