import type { HostFacts } from "./host-facts.ts";

/** Package names per manager: the tools, never the `wireguard` metapackage (it pulls dkms). */
const NAMES: Record<string, { tools: string; go: string; iptables: string }> = {
  apt: { tools: "wireguard-tools", go: "wireguard-go", iptables: "iptables" },
  dnf: { tools: "wireguard-tools", go: "wireguard-go", iptables: "iptables-nft" },
  yum: { tools: "wireguard-tools", go: "wireguard-go", iptables: "iptables" },
  apk: { tools: "wireguard-tools", go: "wireguard-go", iptables: "iptables" },
  pacman: { tools: "wireguard-tools", go: "wireguard-go", iptables: "iptables-nft" },
  zypper: { tools: "wireguard-tools", go: "wireguard-go", iptables: "iptables" },
};

export function packagesNeeded(facts: HostFacts, needFirewall: boolean): string[] {
  const names = NAMES[facts.packageManager] ?? NAMES.apt!;
  const out: string[] = [];
  if (!facts.installed.wg || !facts.installed.wgQuick) out.push(names.tools);
  if (!facts.kernelWireguard && !facts.installed.wireguardGo) out.push(names.go);
  if (needFirewall && facts.firewall.backend === "none") out.push(names.iptables);
  return out;
}

/** Non-interactive install that waits for a held package lock instead of failing or hanging. */
export function installCommand(manager: HostFacts["packageManager"], packages: readonly string[]): string {
  const list = packages.join(" ");
  switch (manager) {
    case "apt":
      return `export DEBIAN_FRONTEND=noninteractive; apt-get -q -o DPkg::Lock::Timeout=120 update >/dev/null && apt-get -q -y -o DPkg::Lock::Timeout=120 install --no-install-recommends ${list}`;
    case "dnf":
    case "yum":
      return `${manager} -y -q install ${list}`;
    case "apk":
      return `apk add -q ${list}`;
    case "pacman":
      return `pacman -Sy --noconfirm --needed ${list}`;
    case "zypper":
      return `zypper --non-interactive install ${list}`;
    default:
      return `echo "no supported package manager found; install ${list} by hand and run wgsite again" >&2; exit 1`;
  }
}
