import { z } from "zod";

/** The shape of the site file; values are judged by fields.ts, so the wizard shares them. */
const blockRule = z.strictObject({ proto: z.string(), port: z.unknown().optional() });

const siteEntry = z.strictObject({
  lan: z.union([z.string(), z.array(z.string())]),
  endpoint: z.string(),
  interface: z.string().optional(),
  ssh: z.string(),
});

export const siteFileSchema = z.strictObject({
  tunnel: z
    .strictObject({
      network: z.string(),
      network6: z.string().optional(),
      port: z.unknown().optional(),
      keepalive: z.unknown().optional(),
      mtu: z.unknown().optional(),
      presharedKey: z.boolean().optional(),
      clampMss: z.boolean().optional(),
    })
    .optional(),
  sites: z.record(z.string(), siteEntry),
  // Judged by site-relations.ts: a union's errors would not say which form was meant.
  topology: z.unknown().optional(),
  firewall: z
    .strictObject({
      restrictPort: z.boolean().optional(),
      block: z.array(blockRule).optional(),
    })
    .optional(),
  keys: z.strictObject({ maxAgeDays: z.unknown().optional() }).optional(),
});

export type SiteFileShape = z.infer<typeof siteFileSchema>;

/** Keys each object may hold, for "did you mean" hints on a typo. */
export const KNOWN_KEYS: Record<string, readonly string[]> = {
  "": ["tunnel", "sites", "topology", "firewall", "keys"],
  topology: ["hub"],
  tunnel: ["network", "network6", "port", "keepalive", "mtu", "presharedKey", "clampMss"],
  site: ["lan", "endpoint", "interface", "ssh"],
  firewall: ["restrictPort", "block"],
  block: ["proto", "port"],
  keys: ["maxAgeDays"],
};

/** What a missing or mistyped field should look like. */
export const EXAMPLES: Record<string, string> = {
  tunnel: "tunnel: { network: 10.10.9.0/31 }",
  network: "network: 10.10.9.0/31",
  sites: "sites: { alpha: {...}, beta: {...} }",
  lan: "lan: [10.10.10.0/24]",
  endpoint: "endpoint: 192.0.2.1",
  topology: "topology: mesh (or topology: { hub: alpha })",
  hub: "hub: alpha",
  interface: "interface: wgA",
  ssh: "ssh: root@192.0.2.1",
  presharedKey: "presharedKey: true",
  clampMss: "clampMss: true",
  network6: "network6: 2001:db8:9::/127",
  restrictPort: "restrictPort: true",
  block: "block: [{ proto: tcp, port: 22 }]",
  proto: "proto: tcp",
  keys: "keys: { maxAgeDays: 365 }",
  maxAgeDays: "maxAgeDays: 365",
};
