/**
 * The two baselines wgsite is compared against, as bash scripts of plain OpenSSH commands run from
 * the lab's operator namespace (the reference procedure, /work/shared/reference/site-to-site.txt):
 *
 * - "person": one `ssh` per command, one command at a time, alpha then beta, as someone following the
 *   document would type them: apt-get update, apt-get install, genkey, pubkey on each gateway, read
 *   each public key back, write both configs, enable both units, enable forwarding (sysctl + file),
 *   then one check that the tunnel carries LAN traffic.
 * - "expert": both gateways in parallel, each over one connection (ControlMaster) with two round
 *   trips: (1) install + keys, printing the public key; (2) config, unit, forwarding and the same
 *   verification wgsite makes (tunnel ping until it answers, then a ping from the LAN address).
 *
 * beta is reached as a sudo user: its commands go through `sudo -S` with the password on stdin.
 */
import type { Lab, Site } from "../test/lab/lab.ts";

export const q = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

type Side = { site: Site; host: string; iface: string; addr: string; lanIp: string; lanCidr: string; publicIp: string; sudo: boolean };

const TUNNEL = "10.10.9.0/31";
const PORT = 51000;

export function sides(lab: Lab): [Side, Side] {
  const side = (site: Site, iface: string, addr: string): Side => {
    const g = lab.gateways[site];
    return { site, host: g.sshHost, iface, addr, lanIp: g.lanIp, lanCidr: g.lanCidr, publicIp: g.publicIp, sudo: !!g.sudoPassword };
  };
  return [side("alpha", "wgA", "10.10.9.0"), side("beta", "wgB", "10.10.9.1")];
}

/** The reference config of a gateway, with the peer's public key from a shell variable. */
function configText(self: Side, peer: Side, peerKeyVar: string): string {
  return [
    "[Interface]",
    "PostUp = wg set %i private-key /etc/wireguard/%i.key",
    `Address = ${self.addr}/31`,
    `ListenPort = ${PORT}`,
    "",
    "[Peer]",
    `# ${peer.site} site`,
    `PublicKey = \${${peerKeyVar}}`,
    `AllowedIPs = ${peer.lanCidr},${TUNNEL}`,
    `Endpoint = ${peer.publicIp}:${PORT}`,
    "",
  ].join("\n");
}

const APT = "export DEBIAN_FRONTEND=noninteractive;";
// Recommends off, as wgsite installs: wireguard-tools recommends nftables|iptables, which the lab
// repository offers, and pulling them would make the baseline install more than wgsite's.
const INSTALL = `${APT} apt-get install -y -q --no-install-recommends wireguard-tools wireguard-go`;

/** Shell prelude shared by both scripts: ssh options, the step timestamps. */
function prelude(sshConfig: string): string[] {
  return [
    "set -euo pipefail",
    `SSH=(ssh -F ${q(sshConfig)} -o BatchMode=yes)`,
    // Timestamps of the steps go to fd 3 (stderr of the script), for the breakdown.
    'exec 3>&2; step() { echo "@@step $1 $(date +%s%N)" >&3; }',
  ];
}

/**
 * One remote command over a fresh ssh: as root on alpha; through `sudo -S` on beta with the password
 * as the first line of stdin. `stdin` (a shell expression producing text) follows the password.
 */
function remote(s: Side, cmd: string, opts: { stdin?: string; ssh?: string } = {}): string {
  const ssh = opts.ssh ?? '"${SSH[@]}"';
  if (!s.sudo) return opts.stdin ? `${opts.stdin} | ${ssh} ${s.host} ${q(cmd)}` : `${ssh} ${s.host} ${q(cmd)} </dev/null`;
  const feed = opts.stdin ? `{ printf '%s\\n' "$PW"; ${opts.stdin}; }` : `printf '%s\\n' "$PW"`;
  return `${feed} | ${ssh} ${s.host} ${q(`sudo -S -p '' sh -c ${q(cmd)}`)}`;
}

/** The "person" script: every command its own ssh invocation, one at a time. */
export function personScript(lab: Lab): { script: string; connections: number } {
  const [a, b] = sides(lab);
  const lines = prelude(lab.sshConfigFile);
  let n = 0;
  const run = (label: string, s: Side, cmd: string, opts: { stdin?: string; capture?: string } = {}) => {
    n++;
    lines.push(`step ${s.site}:${label}`);
    const c = remote(s, cmd, opts);
    lines.push(opts.capture ? `${opts.capture}=$(${c})` : `${c} >/dev/null`);
  };
  for (const s of [a, b]) {
    run("apt-update", s, `${APT} apt-get update -q`);
    run("apt-install", s, INSTALL);
    run("genkey", s, `umask 077; wg genkey | tee /etc/wireguard/${s.iface}.key >/dev/null`);
    run("pubkey", s, `cat /etc/wireguard/${s.iface}.key | wg pubkey | tee /etc/wireguard/${s.iface}.pub`);
  }
  run("read-pub", a, `cat /etc/wireguard/${a.iface}.pub`, { capture: "APUB" });
  run("read-pub", b, `cat /etc/wireguard/${b.iface}.pub`, { capture: "BPUB" });
  for (const [s, peer, key] of [[a, b, "BPUB"], [b, a, "APUB"]] as const) {
    lines.push(`CONF_${s.site}=$(cat <<EOF\n${configText(s, peer, key)}EOF\n)`);
    run("write-config", s, `umask 077; cat > /etc/wireguard/${s.iface}.conf`, { stdin: `printf '%s\\n' "$CONF_${s.site}"` });
  }
  for (const s of [a, b]) run("enable-unit", s, `systemctl enable --now wg-quick@${s.iface}`);
  for (const s of [a, b]) {
    run("sysctl", s, "sysctl -w net.ipv4.ip_forward=1");
    run("persist-forwarding", s, `echo net.ipv4.ip_forward=1 > /etc/sysctl.d/99-wireguard-forward.conf`);
  }
  // The person checks once that it works; the handshake may need a moment, so ping again until it does.
  lines.push(
    `step alpha:verify`,
    "tries=0",
    `until ${remote(a, `ping -c1 -W1 -I ${a.lanIp} ${b.lanIp}`)} >/dev/null; do tries=$((tries+1)); [ $tries -lt 20 ] || { echo "tunnel not up" >&2; exit 1; }; done`,
    'echo "@@verify-extra-tries $tries" >&3',
    "step end",
  );
  return { script: lines.join("\n") + "\n", connections: n + 1 };
}

/**
 * The "expert" script: both gateways in parallel, one ControlMaster connection each, two round trips
 * each: install + keys (prints the public key), then config, unit, forwarding and verification.
 */
export function expertScript(lab: Lab, controlDir: string): string {
  const [a, b] = sides(lab);
  const lines = prelude(lab.sshConfigFile);
  lines.push(`CM=(-o ControlMaster=auto -o ControlPath=${q(controlDir)}/%n -o ControlPersist=60)`);
  const ssh = '"${SSH[@]}" "${CM[@]}"';
  const roundTrip1 = (s: Side) =>
    [
      "set -e",
      `${APT} apt-get -q update >/dev/null`,
      `${INSTALL} >/dev/null`,
      `umask 077; wg genkey > /etc/wireguard/${s.iface}.key`,
      `wg pubkey < /etc/wireguard/${s.iface}.key | tee /etc/wireguard/${s.iface}.pub`,
    ].join("\n");
  const roundTrip2 = (s: Side, peer: Side) =>
    [
      "set -e",
      `umask 077; cat > /etc/wireguard/${s.iface}.conf <<'WGEOF'\n${configText(s, peer, "PEERKEY").replace("${PEERKEY}", KEY_SLOT)}WGEOF`,
      `systemctl enable --now wg-quick@${s.iface}`,
      "sysctl -qw net.ipv4.ip_forward=1",
      "echo net.ipv4.ip_forward=1 > /etc/sysctl.d/99-wireguard-forward.conf",
      // Verification as wgsite makes it: the peer's tunnel address answers, then the remote LAN from the local LAN address.
      `end=$(( $(date +%s) + 30 )); until ping -c1 -W1 ${peer.addr} >/dev/null 2>&1; do [ $(date +%s) -lt $end ] || { echo "no tunnel" >&2; exit 1; }; sleep 0.2; done`,
      `ping -c3 -i0.2 -W1 -I ${s.lanIp} ${peer.lanIp} >/dev/null`,
    ].join("\n");
  lines.push(
    "step connect",
    // Open both connections in parallel (connection setup is part of the measured time).
    ...[a, b].map((s) => `${ssh} -fN ${s.host} & P_${s.site}=$!`),
    "wait $P_alpha; wait $P_beta",
    "step round-trip-1",
    ...[a, b].map((s) => `${remote(s, roundTrip1(s), { ssh })} > "$TMPD/${s.site}.pub" & P_${s.site}=$!`),
    "wait $P_alpha; wait $P_beta",
    "step round-trip-2",
    'APUB=$(cat "$TMPD/alpha.pub"); BPUB=$(cat "$TMPD/beta.pub")',
    // The peer's key (base64: no character the quoting cares about) goes into the round trip's text.
    ...([[a, b, "BPUB"], [b, a, "APUB"]] as const).map(([s, peer, key]) => {
      const fixed = remote(s, roundTrip2(s, peer), { ssh });
      return `C_${s.site}=${q(fixed)}; eval "\${C_${s.site}//${KEY_SLOT}/\$${key}}" & P_${s.site}=$!`;
    }),
    "wait $P_alpha; wait $P_beta",
    "step end",
    ...[a, b].map((s) => `${ssh} -O exit ${s.host} 2>/dev/null || true`),
  );
  return lines.join("\n") + "\n";
}

const KEY_SLOT = "WGBENCHPEERKEY";
