/**
 * The two baselines wgsite is compared against, as bash scripts of plain OpenSSH commands run from
 * the lab's operator namespace (the reference procedure, /work/shared/reference/site-to-site.txt):
 *
 * - "person": one `ssh` per command, one command at a time, alpha then beta, as someone following the
 *   document would type them: apt-get update, apt-get install, genkey, pubkey on each gateway, read
 *   each public key back, write both configs, enable both units, enable forwarding (sysctl + file),
 *   then one check that the tunnel carries LAN traffic.
 * - "expert", the floor a first apply is measured against: both gateways in parallel, each over one
 *   ssh session with two round trips: (1) install + key, printing the public key; (2) config,
 *   forwarding and unit, ending at the first reply from the other gateway's LAN address to a ping
 *   from its own (both sides ping in a tight loop: no sleeps, no repeated pings). Like wgsite it checks
 *   the path MTU (one don't-fragment ping of the link MTU to the peer first, one of the tunnel's MTU
 *   LAN to LAN last); with the firewall, the port is dropped on IPv6 too.
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
function configText(self: Side, peer: Side, peerKeyVar: string, firewall = false): string {
  // With the firewall, the UDP port answers only the peer, on both families: the rules wgsite's restrictPort writes, as hooks.
  const rule = (verb: string, extra: string, target: string, cmd = "iptables") => `${cmd} -w ${verb} INPUT -p udp --dport ${PORT}${extra} -j ${target}`;
  const hooks = firewall
    ? [
        `PostUp = ${rule("-I", "", "DROP")}; ${rule("-I", ` -s ${peer.publicIp}`, "ACCEPT")}; ${rule("-I", "", "DROP", "ip6tables")}`,
        `PreDown = ${rule("-D", "", "DROP")}; ${rule("-D", ` -s ${peer.publicIp}`, "ACCEPT")}; ${rule("-D", "", "DROP", "ip6tables")}`,
      ]
    : [];
  return [
    "[Interface]",
    "PostUp = wg set %i private-key /etc/wireguard/%i.key",
    ...hooks,
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
 * The "expert" script, the floor a first apply is held to: both gateways in parallel, each over one
 * ssh session carrying one script, with two round trips on it. (1) install + key: the script prints
 * the public key and waits for the peer's on its stdin. (2) config + forwarding + unit, then a tight
 * ping loop from its LAN address to the other gateway's LAN address: the session ends at the first
 * reply. Both sides ping, so whichever side comes up last starts a handshake that the other, already
 * up, answers at once (no 5 s REKEY_TIMEOUT retry of a first initiation that hit a closed port).
 */
export function expertScript(lab: Lab, options: { firewall?: boolean } = {}): string {
  const [a, b] = sides(lab);
  const firewall = options.firewall ?? false;
  const lines = prelude(lab.sshConfigFile);
  const script = (s: Side, peer: Side) =>
    [
      "set -e",
      // The path MTU check wgsite makes too: one don't-fragment ping of the link MTU to the peer (a clean path answers it).
      `m=$(cat /sys/class/net/$(ip route get ${peer.publicIp} | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')/mtu); ping -n -q -c1 -W1 -M do -s $((m - 28)) ${peer.publicIp} >/dev/null`,
      `${APT} apt-get -q update >/dev/null </dev/null`,
      `${INSTALL}${firewall ? " iptables" : ""} >/dev/null </dev/null`,
      `umask 077; wg genkey > /etc/wireguard/${s.iface}.key`,
      `wg pubkey < /etc/wireguard/${s.iface}.key`,
      // Round trip 2 starts when the peer's public key arrives on the same session.
      "read -r PEERKEY",
      `cat > /etc/wireguard/${s.iface}.conf <<WGEOF\n${configText(s, peer, "PEERKEY", firewall)}WGEOF`,
      "sysctl -qw net.ipv4.ip_forward=1",
      "echo net.ipv4.ip_forward=1 > /etc/sysctl.d/99-wireguard-forward.conf",
      `systemctl enable --now wg-quick@${s.iface} </dev/null 2>/dev/null`,
      `end=$(( $(date +%s) + 30 )); until ping -c1 -W1 -I ${s.lanIp} ${peer.lanIp} >/dev/null 2>&1; do [ $(date +%s) -lt $end ] || { echo "no tunnel" >&2; exit 1; }; done`,
      // And verification's full-MTU ping through the tunnel, as patient as wgsite's (a fresh tunnel may lose one packet to crossed handshakes).
      `ping -n -q -c1 -w2 -i0.1 -M do -s $(( $(cat /sys/class/net/${s.iface}/mtu) - 28 )) -I ${s.lanIp} ${peer.lanIp} >/dev/null`,
      "echo up",
    ].join("\n");
  const remoteCmd = (s: Side, peer: Side) => (s.sudo ? `sudo -S -p '' sh -c ${q(script(s, peer))}` : script(s, peer));
  const fd = { alpha: { in: 4, out: 5 }, beta: { in: 6, out: 7 } };
  lines.push("step round-trip-1");
  for (const [s, peer] of [[a, b], [b, a]] as const) {
    const f = fd[s.site];
    // The session's stdin and stdout are FIFOs, so the key exchange waits on a read, never on a sleep.
    lines.push(
      `mkfifo "$TMPD/${s.site}.in" "$TMPD/${s.site}.out"`,
      `"\${SSH[@]}" ${s.host} ${q(remoteCmd(s, peer))} < "$TMPD/${s.site}.in" > "$TMPD/${s.site}.out" & P_${s.site}=$!`,
      `exec ${f.in}>"$TMPD/${s.site}.in" ${f.out}<"$TMPD/${s.site}.out"`,
      ...(s.sudo ? [`printf '%s\\n' "$PW" >&${f.in}`] : []),
    );
  }
  lines.push(
    `read -r APUB <&${fd.alpha.out}; read -r BPUB <&${fd.beta.out}`,
    "step round-trip-2",
    `printf '%s\\n' "$BPUB" >&${fd.alpha.in}; printf '%s\\n' "$APUB" >&${fd.beta.in}`,
    `exec ${fd.alpha.in}>&- ${fd.beta.in}>&-`,
    `read -r AUP <&${fd.alpha.out} || true; read -r BUP <&${fd.beta.out} || true`,
    "wait $P_alpha; wait $P_beta",
    '[ "$AUP" = up ] && [ "$BUP" = up ] || { echo "tunnel not verified" >&2; exit 1; }',
    "step end",
  );
  return lines.join("\n") + "\n";
}
