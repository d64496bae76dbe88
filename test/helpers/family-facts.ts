import { readdirSync, readFileSync } from "node:fs";
import type { HostFacts } from "../../src/core/host-facts.ts";
import { initSystem } from "../../src/facts/init-system.ts";
import { kernelWireguard } from "../../src/facts/kernel-wireguard.ts";
import { osRelease } from "../../src/facts/os-release.ts";
import { packageManager } from "../../src/facts/package-manager.ts";
import { serviceScript } from "../../src/facts/service-script.ts";
import { wireguardPackages } from "../../src/facts/wireguard-packages.ts";

const DIR = new URL("../fixtures/facts/families/", import.meta.url);
const CTX = { iface: "wgA", port: 51000 };

/** The systems test/fixtures/facts/families holds (see its README: hand-written in the real outputs' formats). */
export function familyNames(): string[] {
  return readdirSync(DIR).filter((f) => f.endsWith(".txt")).map((f) => f.slice(0, -4)).sort();
}

/** Each fact's output in a family file, by fact id. */
function sections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^@@wgsite-fact (\S+)\n([\s\S]*?)^@@wgsite-fact-end$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/**
 * A fresh gateway of that family: the family file's facts read by the facts' own parsers, on top of
 * a fresh Debian gateway's other facts (addresses, firewall, nothing of WireGuard installed).
 */
export function familyFacts(name: string, base: HostFacts): HostFacts {
  const parts = sections(readFileSync(new URL(`${name}.txt`, DIR), "utf8"));
  const get = (id: string) => {
    const v = parts.get(id);
    if (v === undefined) throw new Error(`${name}.txt: no ${id} fact`);
    return v;
  };
  return {
    ...base,
    os: osRelease.parse(get("os-release"), CTX),
    packageManager: packageManager.parse(get("package-manager"), CTX),
    init: initSystem.parse(get("init"), CTX),
    kernelWireguard: kernelWireguard.parse(get("kernel-wireguard"), CTX),
    serviceScript: serviceScript.parse(get("service-script"), CTX),
    wireguardPackages: wireguardPackages.parse(get("wireguard-packages"), CTX),
    installed: { wg: false, wgQuick: false, wireguardGo: false, iptables: false, nft: false },
  };
}
