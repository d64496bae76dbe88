import { defineFact } from "./fact.ts";

/** What the gateway's enabled repositories offer of the packages wgsite may install, and which repositories are on. */
export type WireguardPackages = { readonly available: readonly string[]; readonly missing: readonly string[]; readonly repos: readonly string[] };

const PACKAGES = ["wireguard-tools", "wireguard-go"];

/**
 * Asked only while wg-quick is absent (a first apply), from the package manager's cache (no
 * download): a package missing there is named before anything changes, with the repository that
 * has it (EPEL on RHEL-likes), instead of failing half-way through the install step.
 */
export const wireguardPackages = defineFact({
  id: "wireguard-packages",
  command: () =>
    [
      `has() { if command -v apt-cache >/dev/null 2>&1; then apt-cache show "$1" >/dev/null 2>&1; elif command -v dnf >/dev/null 2>&1; then [ -n "$(dnf -q -C repoquery "$1" 2>/dev/null)" ]; elif command -v apk >/dev/null 2>&1; then [ -n "$(apk search -q -x "$1" 2>/dev/null)" ]; elif command -v pacman >/dev/null 2>&1; then pacman -Si "$1" >/dev/null 2>&1; elif command -v zypper >/dev/null 2>&1; then zypper -q --no-refresh info "$1" 2>/dev/null | grep -q '^Name'; else return 2; fi; }`,
      `command -v wg-quick >/dev/null 2>&1 || for p in ${PACKAGES.join(" ")}; do has $p; r=$?; [ $r = 0 ] && echo "available $p"; [ $r = 1 ] && echo "missing $p"; done`,
      `command -v dnf >/dev/null 2>&1 && dnf -q -C repolist 2>/dev/null | awk 'NR>1 {print "repo " $1}'; true`,
    ].join("\n"),
  parse: (out): WireguardPackages => {
    const pick = (kind: string) => out.split("\n").map((l) => l.trim().split(/\s+/)).filter((w) => w[0] === kind && w[1]).map((w) => w[1]!);
    return { available: pick("available"), missing: pick("missing"), repos: pick("repo") };
  },
});
