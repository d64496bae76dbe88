/**
 * Lab variants for gateways that are not fresh installs: the firewalls, NAT and WireGuard setups
 * that make a site-to-site tunnel "up but nothing passes" in the field. Importing this module
 * registers them; each sets a gateway up the way its tool would, from inside the gateway.
 *
 *   field-docker      alpha: Docker's chains, FORWARD DROP, strict rp_filter; beta: REJECT at the end of FORWARD
 *   field-ufw         alpha: nftables, forward policy drop; beta: ufw enabled with its default policies
 *   field-masquerade  alpha: iptables `-s LAN -j MASQUERADE`; beta: the same in nftables
 *   field-wireguard   alpha: an unrelated wg0 (wireguard-go, enabled unit); beta: UDP 51000 taken, a foreign wgB.conf
 *   field-firewalld   alpha: firewalld with its defaults (eth1 only in the default zone); beta: fresh
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { promisify } from "node:util";
import { LAB_ROOT, registerVariant, type Lab, type Site } from "./lab.ts";

const exec = promisify(execFile);

/** Where extra .deb files sit inside a gateway, for variants that need packages the lab repo lacks. */
const EXTRA_IN_ROOT = "var/cache/wgsite-lab-extra";

/**
 * The .debs apt would install for `packages` in the gateway root (as it is before boot), downloaded
 * once with the host's apt into a cache beside the lab's: ufw needs python3, which the lab repo lacks.
 */
async function extraDebs(packages: readonly string[], root: string): Promise<string> {
  const status = path.join(root, "var/lib/dpkg/status");
  const { stdout } = await exec("apt-get", ["-s", "-o", `Dir::State::status=${status}`, "install", "--no-install-recommends", ...packages], { maxBuffer: 1 << 24 });
  const pinned = [...stdout.matchAll(/^Inst (\S+) \((\S+)/gm)].map((m) => `${m[1]}=${m[2]}`).sort();
  const dir = path.join(LAB_ROOT, `extra-${createHash("sha256").update(JSON.stringify(pinned)).digest("hex").slice(0, 16)}`);
  if (fs.existsSync(path.join(dir, ".complete"))) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(3).toString("hex")}`;
  await fsp.mkdir(tmp, { recursive: true });
  try {
    await exec("apt-get", ["download", "-q", ...pinned], { cwd: tmp, maxBuffer: 1 << 24, timeout: 10 * 60_000 });
    await fsp.writeFile(path.join(tmp, ".complete"), `${pinned.join("\n")}\n`);
    await fsp.rename(tmp, dir).catch(async () => {
      if (!fs.existsSync(dir)) throw new Error(`could not publish ${dir}`);
      await fsp.rm(tmp, { recursive: true, force: true });
    });
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return dir;
}

async function copyDebs(from: string, root: string): Promise<void> {
  const to = path.join(root, EXTRA_IN_ROOT);
  await fsp.mkdir(to, { recursive: true });
  for (const f of await fsp.readdir(from)) if (f.endsWith(".deb")) await fsp.copyFile(path.join(from, f), path.join(to, f));
}

/** Runs a setup script as root inside a gateway; throws with its output when it fails. */
export async function setUp(lab: Lab, site: Site, script: string): Promise<string> {
  const r = await lab.inGateway(site, `set -e\n${script}`, { timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`variant setup on ${site} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const APT = "export DEBIAN_FRONTEND=noninteractive; apt-get -q update >/dev/null && apt-get -q -y install --no-install-recommends";

/** Docker 24's filter and nat rules on a host with only the default bridge (no containers). */
export const DOCKER_RULES = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
-A DOCKER-USER -j RETURN
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
COMMIT
`;

/** A RHEL-style FORWARD: policy ACCEPT, replies allowed, everything else rejected by a rule. */
export const REJECT_RULES = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -j REJECT --reject-with icmp-host-prohibited
COMMIT
`;

/** Debian's /etc/nftables.conf with the forward policy turned to drop, as a hardened router has it. */
export const NFT_FORWARD_DROP = `#!/usr/sbin/nft -f
flush ruleset
table inet filter {
	chain input {
		type filter hook input priority filter; policy accept;
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
	}
	chain output {
		type filter hook output priority filter; policy accept;
	}
}
`;

export const NFT_MASQUERADE = (lan: string) => `#!/usr/sbin/nft -f
flush ruleset
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr ${lan} masquerade
	}
}
`;

const UNRELATED_WG0 = (key: string) => `# the operator's own road-warrior VPN, not wgsite's
[Interface]
Address = 10.99.0.1/24
ListenPort = 51820
PrivateKey = ${key}

[Peer]
PublicKey = 3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=
AllowedIPs = 10.99.0.2/32
`;

/** A config someone else wrote under the name wgsite will want on beta (the adopt case). */
export const FOREIGN_WGB = `[Interface]
# written by hand long ago
Address = 10.77.0.1/24
ListenPort = 51999
PostUp = wg set %i private-key /etc/wireguard/%i.key
`;

let ufwDebs: Promise<string> | undefined;
let firewalldDebs: Promise<string> | undefined;

export function registerFieldVariants(): void {
  registerVariant("field-docker", {
    description: "alpha: Docker's chains and FORWARD DROP, strict rp_filter; beta: REJECT at the end of FORWARD",
    async afterBoot(lab) {
      await Promise.all([
        setUp(lab, "alpha", [
          `${APT} iptables >/dev/null`,
          "ip link add docker0 type bridge && ip addr add 172.17.0.1/16 dev docker0 && ip link set docker0 up",
          `iptables-restore <<'EOF'\n${DOCKER_RULES}EOF`,
          // Docker turns forwarding on at runtime; the operator made rp_filter strict and persisted it.
          "sysctl -q -w net.ipv4.ip_forward=1",
          "printf 'net.ipv4.conf.all.rp_filter = 1\\nnet.ipv4.conf.default.rp_filter = 1\\n' > /etc/sysctl.d/90-strict-rp.conf",
          "sysctl -q -p /etc/sysctl.d/90-strict-rp.conf",
        ].join("\n")),
        setUp(lab, "beta", [`${APT} iptables >/dev/null`, `iptables-restore <<'EOF'\n${REJECT_RULES}EOF`].join("\n")),
      ]);
    },
  });

  registerVariant("field-ufw", {
    description: "alpha: nftables with forward policy drop; beta: ufw enabled with its default policies (ssh allowed)",
    async prepareRoot(site, root) {
      if (site !== "beta") return;
      ufwDebs ??= extraDebs(["ufw"], root);
      await copyDebs(await ufwDebs, root);
    },
    async afterBoot(lab) {
      await Promise.all([
        setUp(lab, "alpha", [`${APT} nftables >/dev/null`, `cat > /etc/nftables.conf <<'EOF'\n${NFT_FORWARD_DROP}EOF`, "systemctl enable -q --now nftables"].join("\n")),
        setUp(lab, "beta", [
          `export DEBIAN_FRONTEND=noninteractive; apt-get -q -y install --no-install-recommends /${EXTRA_IN_ROOT}/*.deb >/dev/null`,
          `ufw allow ${lab.gateways.beta.sshPort}/tcp >/dev/null`,
          "ufw --force enable >/dev/null",
        ].join("\n")),
      ]);
    },
  });

  registerVariant("field-firewalld", {
    description: "alpha: firewalld running with its defaults (zone public, nftables backend); beta: fresh",
    async prepareRoot(site, root) {
      if (site !== "alpha") return;
      // netbase: firewalld refuses to start without /etc/protocols ("INVALID_PROTOCOL: esp").
      firewalldDebs ??= extraDebs(["firewalld", "netbase"], root);
      await copyDebs(await firewalldDebs, root);
    },
    async afterBoot(lab) {
      await setUp(lab, "alpha", [
        `export DEBIAN_FRONTEND=noninteractive; apt-get -q -y install --no-install-recommends /${EXTRA_IN_ROOT}/*.deb >/dev/null`,
        "systemctl enable -q --now firewalld",
        "for i in $(seq 100); do [ \"$(firewall-cmd --state 2>/dev/null)\" = running ] && exit 0; sleep 0.1; done; echo 'firewalld did not start' >&2; exit 1",
      ].join("\n"));
    },
  });

  registerVariant("field-masquerade", {
    description: "alpha: iptables catch-all MASQUERADE of its LAN; beta: the same in native nftables",
    async afterBoot(lab) {
      await Promise.all([
        setUp(lab, "alpha", [`${APT} iptables >/dev/null`, `iptables -t nat -A POSTROUTING -s ${lab.gateways.alpha.lanCidr} -j MASQUERADE`].join("\n")),
        setUp(lab, "beta", [`${APT} nftables >/dev/null`, `cat > /etc/nftables.conf <<'EOF'\n${NFT_MASQUERADE(lab.gateways.beta.lanCidr)}EOF`, "systemctl enable -q --now nftables"].join("\n")),
      ]);
    },
  });

  registerVariant("field-wireguard", {
    description: "alpha: an unrelated wg0 on 51820 (wireguard-go, enabled unit); beta: UDP 51000 held by a program, a foreign /etc/wireguard/wgB.conf",
    async afterBoot(lab) {
      await Promise.all([
        setUp(lab, "alpha", [
          `${APT} wireguard-tools wireguard-go >/dev/null`,
          "umask 077; mkdir -p /etc/wireguard",
          `key=$(wg genkey); cat > /etc/wireguard/wg0.conf <<EOF\n${UNRELATED_WG0("$key")}EOF`,
          "systemctl enable -q --now wg-quick@wg0",
        ].join("\n")),
        // No `$` in the perl: systemd-run would expand it as a variable.
        setUp(lab, "beta", [
          `systemd-run -q --unit=udp-squatter perl -MIO::Socket::INET -e 'IO::Socket::INET->new(LocalPort => 51000, Proto => "udp") and sleep or die'`,
          "umask 077; mkdir -p /etc/wireguard",
          `cat > /etc/wireguard/wgB.conf <<'EOF'\n${FOREIGN_WGB}EOF`,
          "for i in $(seq 50); do ss -Hunl | grep -q ':51000 ' && exit 0; sleep 0.1; done; echo 'nothing listens on UDP 51000' >&2; exit 1",
        ].join("\n")),
      ]);
    },
  });
}

registerFieldVariants();

// ---------------------------------------------------------------------------------------------
// dns-names (issue 19): the endpoints are DNS names, served by dnsmasq inside the lab.

/** The lab's resolver: dnsmasq in the operator namespace, on its lab address only. */
export const DNS_NAMES = { alpha: "alpha.lab.example", beta: "beta.lab.example" } as const;

const dnsFiles = (lab: Lab) => ({ hosts: path.join(lab.dir, "dns-hosts"), pid: path.join(lab.dir, "dnsmasq.pid"), log: path.join(lab.dir, "dnsmasq.log") });

/** Points `name` at `address` (or at nothing) and makes dnsmasq read its records again. */
export async function setDnsRecords(lab: Lab, records: Readonly<Partial<Record<Site, string | undefined>>>): Promise<void> {
  const files = dnsFiles(lab);
  const current = new Map<string, string>();
  for (const line of (await fsp.readFile(files.hosts, "utf8").catch(() => "")).split("\n")) {
    const [address, name] = line.trim().split(/\s+/);
    if (address && name) current.set(name, address);
  }
  for (const [site, address] of Object.entries(records) as [Site, string | undefined][]) {
    if (address) current.set(DNS_NAMES[site], address);
    else current.delete(DNS_NAMES[site]);
  }
  await fsp.writeFile(files.hosts, [...current].map(([name, address]) => `${address} ${name}\n`).join(""));
  const pid = Number((await fsp.readFile(files.pid, "utf8").catch(() => "")).trim());
  // SIGHUP: dnsmasq reads --addn-hosts again (and forgets its cache).
  if (pid > 0) process.kill(pid, "SIGHUP");
}

/** The lab's site file with both endpoints given by name. */
export function dnsSiteYaml(lab: Lab): string {
  return lab
    .siteYaml()
    .replace(`endpoint: ${lab.gateways.alpha.publicIp}`, `endpoint: ${DNS_NAMES.alpha}`)
    .replace(`endpoint: ${lab.gateways.beta.publicIp}`, `endpoint: ${DNS_NAMES.beta}`);
}

registerVariant("dns-names", {
  description: "both gateways resolve through dnsmasq on the operator namespace (192.0.2.100), which serves alpha.lab.example and beta.lab.example",
  async afterBoot(lab) {
    const files = dnsFiles(lab);
    await setDnsRecords(lab, { alpha: lab.gateways.alpha.publicIp, beta: lab.gateways.beta.publicIp });
    // Only the lab's own names, only on the lab's address: --no-resolv, no upstream, nothing forwarded.
    const r = await lab.inNs(lab.operatorNs, [
      "dnsmasq", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll", `--addn-hosts=${files.hosts}`,
      `--listen-address=${lab.operatorIp}`, "--bind-interfaces", "--except-interface=lo", "--user=root",
      "--local-ttl=0", `--pid-file=${files.pid}`, "--log-queries", `--log-facility=${files.log}`, "--local=/example/",
    ]);
    if (r.code !== 0) throw new Error(`dnsmasq did not start (${r.code}): ${r.stderr}`);
    const resolver = `# wgsite lab: dnsmasq on the operator namespace\nnameserver ${lab.operatorIp}\noptions timeout:1 attempts:2\n`;
    await Promise.all((["alpha", "beta"] as const).map((s) => setUp(lab, s, [`printf '%s' '${resolver}' > /etc/resolv.conf`, `getent ahosts ${DNS_NAMES[s === "alpha" ? "beta" : "alpha"]} >/dev/null`].join("\n"))));
  },
});
