import { Document, YAMLMap, YAMLSeq } from "yaml";
import { formatEndpoint } from "./render-config.ts";
import type { SiteFileShape } from "./site-schema.ts";
import type { Site, SiteDef } from "./site.ts";

/** The site-file shape of a validated site: what `loadSite` turns back into the same Site. */
export function siteToShape(site: Site): SiteFileShape {
  const { tunnel } = site;
  const entry = (def: SiteDef) => ({
    lan: def.lan.map((c) => c.text),
    // The endpoint's port is written only where it differs from the tunnel's, as a person would.
    endpoint: def.endpoint.host === undefined ? "none" : def.endpoint.port === tunnel.port ? def.endpoint.host : formatEndpoint(def.endpoint.host, def.endpoint.port),
    interface: def.interface,
    ssh: def.ssh,
  });
  return {
    tunnel: {
      network: tunnel.network.text,
      ...(tunnel.network6 ? { network6: tunnel.network6.text } : {}),
      port: tunnel.port,
      ...(tunnel.keepalive > 0 ? { keepalive: tunnel.keepalive } : {}),
      ...(tunnel.mtu === undefined ? {} : { mtu: tunnel.mtu }),
      presharedKey: tunnel.presharedKey,
      ...(tunnel.clampMss === undefined ? {} : { clampMss: tunnel.clampMss }),
    },
    sites: Object.fromEntries(site.sites.map((def) => [def.name, entry(def)])),
    ...(site.topology?.kind === "hub" ? { topology: { hub: site.topology.hub } } : {}),
    firewall: {
      restrictPort: site.firewall.restrictPort,
      ...(site.firewall.block.length > 0 ? { block: site.firewall.block.map((b) => ({ ...b })) } : {}),
    },
    ...(site.keys ? { keys: { maxAgeDays: site.keys.maxAgeDays } } : {}),
  };
}

export type SiteYamlOptions = {
  /** Comment lines put at the top of the file (without the leading `#`). */
  readonly header?: readonly string[];
};

/**
 * Serializes a site to site-file YAML: short lists in flow style (`lan: [10.10.10.0/24]`), the port
 * and interfaces spelled out so the file reads on its own.
 */
export function siteToYaml(site: Site, options: SiteYamlOptions = {}): string {
  const doc = new Document(siteToShape(site));
  for (const def of site.sites) flowStyle(doc.getIn(["sites", def.name, "lan"]));
  for (const rule of (doc.getIn(["firewall", "block"]) as YAMLSeq | undefined)?.items ?? []) flowStyle(rule);
  if (options.header && options.header.length > 0) doc.commentBefore = options.header.map((line) => ` ${line}`).join("\n");
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function flowStyle(node: unknown): void {
  if (node instanceof YAMLSeq || node instanceof YAMLMap) node.flow = true;
}

/** The file name the wizard suggests: `./alpha-beta.yaml`. */
export function defaultSiteFileName(first: string, second: string): string {
  return `./${first}-${second}.yaml`;
}
