/**
 * The gateway pairs the OS matrix e2e (matrix.e2e.test.ts) runs, side by side: Debian 13, Debian 12
 * beside 13, OpenRC, and systemd beside OpenRC. Debian 12 with systemd on both ends is what every
 * other e2e suite runs. WGSITE_E2E_PAIRS=debian13,openrc picks some; the README's support table
 * lists exactly these.
 */
export type OsPair = { readonly name: string; readonly os: string; readonly title: string };

export const OS_PAIRS: readonly OsPair[] = [
  { name: "debian13", os: "trixie", title: "Debian 13 + Debian 13 (systemd)" },
  { name: "debian12+13", os: "bookworm,trixie", title: "Debian 12 + Debian 13 (systemd)" },
  { name: "openrc", os: "bookworm-openrc", title: "Debian 12 with OpenRC + Debian 12 with OpenRC" },
  { name: "systemd+openrc", os: "bookworm,bookworm-openrc", title: "Debian 12 (systemd) + Debian 12 with OpenRC" },
];

export function selectedPairs(spec = process.env.WGSITE_E2E_PAIRS): readonly OsPair[] {
  if (!spec) return OS_PAIRS;
  const names = spec.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !OS_PAIRS.some((p) => p.name === n));
  if (unknown.length) throw new Error(`WGSITE_E2E_PAIRS: unknown pair ${unknown.join(", ")} (known: ${OS_PAIRS.map((p) => p.name).join(", ")})`);
  return OS_PAIRS.filter((p) => names.includes(p.name));
}
