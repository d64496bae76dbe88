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
  // Alpine's OpenRC script is its own package (wgsite writes one only where no package has it).
  if (facts.packageManager === "apk" && facts.init === "openrc" && facts.serviceScript && !facts.serviceScript.script) out.push("wireguard-tools-openrc");
  return out;
}

const RHEL_LIKE = ["rhel", "centos", "rocky", "almalinux", "ol"];

/** The repository to enable for a package this system's enabled repositories lack, as its own docs name it. */
export function repositoryFix(facts: HostFacts, pkg: string): string {
  const { id, idLike, versionId } = facts.os;
  const major = versionId.split(".")[0] ?? "";
  if (id !== "fedora" && (RHEL_LIKE.includes(id) || idLike.includes("rhel"))) {
    return id === "rhel"
      ? `enable EPEL (subscription-manager repos --enable codeready-builder-for-rhel-${major}-$(arch)-rpms, then dnf install https://dl.fedoraproject.org/pub/epel/epel-release-latest-${major}.noarch.rpm)`
      : `enable EPEL (dnf install epel-release${major === "8" ? "; dnf config-manager --set-enabled powertools" : major ? "; dnf config-manager --set-enabled crb" : ""})`;
  }
  if (id === "alpine") return `enable the community repository in /etc/apk/repositories, then apk update`;
  if (id === "ubuntu") return `enable the universe component (add-apt-repository universe)`;
  if (id === "debian") return `add the Debian release's main component to /etc/apt/sources.list, then apt-get update`;
  return `enable a repository of ${facts.os.prettyName} that has ${pkg}`;
}

/**
 * Packages the install step needs that the gateway's enabled repositories do not have (only known
 * while wg-quick is absent): the install would fail half-way, so the run is refused before any change.
 */
export function missingPackages(facts: HostFacts, needFirewall: boolean): { pkg: string; fix: string }[] {
  const missing = new Set(facts.wireguardPackages?.missing ?? []);
  return packagesNeeded(facts, needFirewall)
    .filter((p) => missing.has(p))
    .map((pkg) => ({ pkg, fix: repositoryFix(facts, pkg) }));
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
