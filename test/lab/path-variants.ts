/**
 * Lab variants for the data plane on real paths; importing this module registers them.
 *
 *   narrow-hop  the "internet" between the gateways carries only 1400-byte packets and drops bigger
 *               ones silently (no ICMP), as PPPoE, GRE and some cloud links do; the operator's
 *               path to the gateways stays 1500
 *   dual-inet   the "internet" also has IPv6 (2001:db8::/64, documentation addresses): operator
 *               2001:db8::100, alpha 2001:db8::1, beta 2001:db8::2; beta's firewall tool is nftables
 *   dual-lan    both LANs are dual-stack: alpha 2001:db8:10::/64 (gateway ::1, host ::10), beta
 *               2001:db8:11::/64; the hosts' IPv6 default route goes via their gateway
 */
import { registerVariant, type Lab } from "./lab.ts";
import { setUp } from "./variants.ts";

export const NARROW_MTU = 1400;

export const LAN6 = {
  alpha: { cidr: "2001:db8:10::/64", gateway: "2001:db8:10::1", host: "2001:db8:10::10" },
  beta: { cidr: "2001:db8:11::/64", gateway: "2001:db8:11::1", host: "2001:db8:11::10" },
} as const;

export const INET6 = { operator: "2001:db8::100", alpha: "2001:db8::1", beta: "2001:db8::2" } as const;

/** A bridge rule on the gateways' ports, so only traffic between them meets the narrow hop. */
function narrowHop(mtu: number): string {
  return `table bridge wgsite_lab_narrow {
	chain forward {
		type filter hook forward priority 0; policy accept;
		iifname "p-alpha" oifname "p-beta" meta length > ${mtu} drop
		iifname "p-beta" oifname "p-alpha" meta length > ${mtu} drop
	}
}
`;
}

async function must(lab: Lab, ns: string, argv: string[], input?: string): Promise<void> {
  const r = await lab.inNs(ns, argv, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`${argv.join(" ")} in ${ns} failed (${r.code}): ${r.stderr}${r.stdout}`);
}

export function registerPathVariants(): void {
  registerVariant("narrow-hop", {
    description: `the hop between the gateways carries only ${NARROW_MTU}-byte packets and drops bigger ones without an ICMP`,
    async afterBoot(lab) {
      await must(lab, lab.internetNs, ["nft", "-f", "-"], narrowHop(NARROW_MTU));
    },
  });

  registerVariant("dual-inet", {
    description: "IPv6 documentation addresses (2001:db8::/64) on the lab's internet beside IPv4; beta runs nftables",
    async afterBoot(lab) {
      // nodad: the addresses are usable at once, not after duplicate address detection.
      await must(lab, lab.operatorNs, ["ip", "-6", "addr", "add", `${INET6.operator}/64`, "dev", "eth0", "nodad"]);
      await Promise.all([
        setUp(lab, "alpha", `ip -6 addr add ${INET6.alpha}/64 dev ${lab.gateways.alpha.publicIf} nodad`),
        setUp(lab, "beta", [`ip -6 addr add ${INET6.beta}/64 dev ${lab.gateways.beta.publicIf} nodad`, "export DEBIAN_FRONTEND=noninteractive; apt-get -q update >/dev/null && apt-get -q -y install --no-install-recommends nftables >/dev/null"].join("\n")),
      ]);
    },
  });

  registerVariant("dual-lan", {
    description: "dual-stack LANs: 2001:db8:10::/64 behind alpha, 2001:db8:11::/64 behind beta, hosts routed via their gateway",
    async afterBoot(lab) {
      for (const site of ["alpha", "beta"] as const) {
        const l = LAN6[site];
        await setUp(lab, site, `ip -6 addr add ${l.gateway}/64 dev ${lab.gateways[site].lanIf} nodad`);
        const host = lab.lanHosts[site].ns;
        await must(lab, host, ["ip", "-6", "addr", "add", `${l.host}/64`, "dev", "eth0", "nodad"]);
        await must(lab, host, ["ip", "-6", "route", "add", "default", "via", l.gateway]);
      }
    },
  });
}

registerPathVariants();
