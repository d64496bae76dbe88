import { isAddressLiteral } from "./address.ts";
import type { HostFacts } from "./host-facts.ts";
import type { Op, Step } from "./plan-types.ts";
import { quote } from "./shell.ts";
import { peerOf, type Site } from "./site.ts";

/**
 * Endpoints given by DNS name, kept current on the gateway: wg-quick resolves a name once, when the
 * interface comes up, so a peer whose address changes stays dead until someone restarts it. A small
 * job resolves the name again whenever the handshake is stale and moves the peer to the new address
 * (the idea of wireguard-tools' contrib/reresolve-dns), and wg-quick's unit waits for the name at
 * boot. Everything here is data: the files, their modes and the commands that install them.
 */

/** Older than this the handshake is stale: WireGuard retries one every 5 s, rekeys every 120 s. */
export const STALE_AFTER_SEC = 135;
/** How often the job looks. */
export const EVERY_SEC = 30;
/** How long wg-quick's start waits for the name before it fails and is started again. */
export const BOOT_WAIT_SEC = 30;
export const BOOT_RESTART_SEC = 10;

export const MARK = "# managed by wgsite";

export type JobFile = {
  readonly path: string;
  readonly mode: "0644" | "0755";
  readonly content: string;
};

export type JobInit = "systemd" | "openrc";

/** Names of the job's pieces, for both init systems; status and remove find them by these. */
export const scriptPath = (iface: string) => `/usr/local/sbin/wgsite-reresolve-${iface}`;
export const timerUnit = (iface: string) => `wgsite-reresolve-${iface}.timer`;
export const serviceUnit = (iface: string) => `wgsite-reresolve-${iface}.service`;
export const dropInPath = (iface: string) => `/etc/systemd/system/wg-quick@${iface}.service.d/wgsite-dns.conf`;
export const openrcService = (iface: string) => `wgsite-reresolve.${iface}`;
export const openrcConfD = (iface: string) => `/etc/conf.d/wg-quick.${iface}`;

/** Every path the job may have written on a gateway, whichever init system. */
export function reresolvePaths(iface: string): string[] {
  return [
    scriptPath(iface),
    `/etc/systemd/system/${serviceUnit(iface)}`,
    `/etc/systemd/system/${timerUnit(iface)}`,
    dropInPath(iface),
    `/etc/init.d/${openrcService(iface)}`,
    openrcConfD(iface),
  ];
}

/** The peer's endpoint name seen from gateway `index`, or undefined when it is an address. */
export function endpointName(site: Site, index: 0 | 1): { readonly name: string; readonly port: number; readonly peer: string } | undefined {
  const other = peerOf(site, index);
  const host = other.endpoint.host;
  return host === undefined || isAddressLiteral(host) ? undefined : { name: host, port: other.endpoint.port, peer: other.name };
}

/**
 * The job's script. It reads the peers from the interface instead of naming a key, so it outlives a
 * key rotation; wgsite's interface has the one peer. An address the name still resolves to is kept
 * (a name with several records does not flap) but set again, as wireguard-tools' reresolve-dns does:
 * that clears the source address WireGuard caches for the peer, which is stale after this gateway's
 * own address changed (the lab's moved gateway answered from its old address until then). Otherwise
 * the first address getent gives is set.
 */
export function reresolveScript(iface: string, name: string, port: number, peer: string): string {
  return `#!/bin/sh
${MARK}: keeps ${peer}'s endpoint ${name}:${port} current on ${iface}.
# When the handshake is older than ${STALE_AFTER_SEC} s, resolve the name again and move the peer if it changed.
#   (no argument)  once (systemd timer)    --every N  forever, every N s (OpenRC)
#   --wait N       until the name resolves, at most N s (before wg-quick up)
IF=${quote(iface)}
NAME=${quote(name)}
PORT=${port}
STALE=${STALE_AFTER_SEC}

addresses() { getent ahosts "$NAME" | awk '!seen[$1]++ { print $1 }'; }

# restrictPort opened the port to the address the name had at apply time: it follows the peer to the new one.
follow_firewall() {
  old=$1 new=$2
  lp=$(wg show "$IF" listen-port 2>/dev/null) || return 0
  ipt() { case $1 in *:*) echo ip6tables ;; *) echo iptables ;; esac; }
  if [ -n "$old" ] && command -v iptables >/dev/null 2>&1; then
    o=$(ipt "$old"); n=$(ipt "$new")
    if $o -w -C INPUT -p udp --dport "$lp" -s "$old" -m comment --comment "wgsite:$IF" -j ACCEPT 2>/dev/null; then
      $o -w -D INPUT -p udp --dport "$lp" -s "$old" -m comment --comment "wgsite:$IF" -j ACCEPT
      $n -w -I INPUT -p udp --dport "$lp" -s "$new" -m comment --comment "wgsite:$IF" -j ACCEPT
      echo "wgsite-reresolve: $IF: UDP $lp now accepted from $new instead of $old"
    fi
  fi
  t=wgsite_$(printf %s "$IF" | tr -c 'A-Za-z0-9_' '_')
  if command -v nft >/dev/null 2>&1 && nft list chain inet "$t" input >/dev/null 2>&1; then
    case $new in
      *:*) keep="ip6 saddr != $new drop"; other="meta nfproto ipv4 drop" ;;
      *) keep="ip saddr != $new drop"; other="meta nfproto ipv6 drop" ;;
    esac
    nft flush chain inet "$t" input && nft add rule inet "$t" input udp dport "$lp" $keep && nft add rule inet "$t" input udp dport "$lp" $other &&
      echo "wgsite-reresolve: $IF: UDP $lp now accepted from $new only (nft table $t)"
  fi
}

once() {
  now=$(date +%s)
  wg show "$IF" latest-handshakes 2>/dev/null | while read -r key hs; do
    [ $((now - hs)) -gt "$STALE" ] || continue
    addrs=$(addresses)
    if [ -z "$addrs" ]; then echo "wgsite-reresolve: $NAME does not resolve; $IF keeps its endpoint" >&2; continue; fi
    current=$(wg show "$IF" endpoints | awk -v k="$key" '$1 == k { print $2 }')
    host=\${current%:*}; host=\${host#[}; host=\${host%]}
    ep=
    for a in $addrs; do [ "$a" = "$host" ] && ep=$current; done
    if [ -n "$ep" ]; then
      # Set again all the same: that drops the source address cached for the peer, stale when this gateway moved.
      wg set "$IF" peer "$key" endpoint "$ep"
      continue
    fi
    first=$(echo "$addrs" | head -n 1)
    case $first in *:*) ep="[$first]:$PORT" ;; *) ep="$first:$PORT" ;; esac
    wg set "$IF" peer "$key" endpoint "$ep" && echo "wgsite-reresolve: $IF: $NAME is $first now; endpoint \${current:-(none)} -> $ep"
    follow_firewall "$host" "$first"
  done
}

case \${1:-} in
  --wait)
    end=$(( $(date +%s) + $2 ))
    while [ "$(date +%s)" -lt "$end" ]; do [ -n "$(addresses)" ] && exit 0; sleep 1; done
    echo "wgsite-reresolve: $NAME does not resolve yet; wg-quick@$IF is started again in ${BOOT_RESTART_SEC} s" >&2
    exit 1 ;;
  --every) while :; do once; sleep "$2"; done ;;
  *) once ;;
esac
`;
}

function systemdFiles(iface: string, name: string, peer: string): JobFile[] {
  const about = `${peer}'s endpoint ${name} on ${iface}`;
  return [
    {
      path: `/etc/systemd/system/${serviceUnit(iface)}`,
      mode: "0644",
      content: `${MARK}: re-resolves ${about} when its handshake is stale
[Unit]
Description=Re-resolve ${about} (wgsite)
After=wg-quick@${iface}.service

[Service]
Type=oneshot
ExecStart=${scriptPath(iface)}
`,
    },
    {
      path: `/etc/systemd/system/${timerUnit(iface)}`,
      mode: "0644",
      content: `${MARK}: runs ${serviceUnit(iface)} every ${EVERY_SEC} s
[Unit]
Description=Re-resolve ${about} every ${EVERY_SEC} s (wgsite)

[Timer]
OnActiveSec=${EVERY_SEC}
OnUnitActiveSec=${EVERY_SEC}
AccuracySec=1s

[Install]
WantedBy=timers.target
`,
    },
    {
      path: dropInPath(iface),
      mode: "0644",
      // A start that finds no answer fails and is started again, instead of blocking boot for good.
      content: `${MARK}: ${about} is a DNS name, so wg-quick@${iface} waits for the network
# and for the name (at most ${BOOT_WAIT_SEC} s a try), and is started again every ${BOOT_RESTART_SEC} s until it resolves.
[Unit]
After=network-online.target nss-lookup.target
Wants=network-online.target nss-lookup.target
StartLimitIntervalSec=0

[Service]
ExecStartPre=${scriptPath(iface)} --wait ${BOOT_WAIT_SEC}
Restart=on-failure
RestartSec=${BOOT_RESTART_SEC}
`,
    },
  ];
}

function openrcFiles(iface: string, name: string, peer: string): JobFile[] {
  return [
    {
      path: `/etc/init.d/${openrcService(iface)}`,
      mode: "0755",
      content: `#!/sbin/openrc-run
${MARK}: re-resolves ${peer}'s endpoint ${name} on ${iface} every ${EVERY_SEC} s when its handshake is stale
description="Re-resolve ${peer}'s endpoint ${name} on ${iface} (wgsite)"
command=${scriptPath(iface)}
command_args="--every ${EVERY_SEC}"
command_background=true
pidfile="/run/\${RC_SVCNAME}.pid"

depend() {
\tneed net
\tafter wg-quick.${iface}
}
`,
    },
    {
      path: openrcConfD(iface),
      mode: "0644",
      // openrc-run sources this before starting wg-quick.<if>: wg keeps retrying the name instead of giving up.
      content: `${MARK}: ${peer}'s endpoint ${name} is a DNS name: wait for the network, retry the name until it resolves
rc_need="net"
export WG_ENDPOINT_RESOLUTION_RETRIES=infinity
`,
    },
  ];
}

/** The files gateway `index` needs for its peer's endpoint name; none when the endpoint is an address. */
export function reresolveFiles(site: Site, index: 0 | 1, init: JobInit): JobFile[] {
  const ep = endpointName(site, index);
  if (!ep) return [];
  const iface = site.sites[index].interface;
  const script: JobFile = { path: scriptPath(iface), mode: "0755", content: reresolveScript(iface, ep.name, ep.port, ep.peer) };
  return [script, ...(init === "openrc" ? openrcFiles(iface, ep.name, ep.peer) : systemdFiles(iface, ep.name, ep.peer))];
}

const initOf = (facts: HostFacts | undefined): JobInit => (facts?.init === "openrc" ? "openrc" : "systemd");

/** Shell that stops the job and removes every file of it that still carries wgsite's mark. */
export function removeJobCommand(iface: string, init: JobInit): string {
  const stop =
    init === "openrc"
      ? `{ rc-service ${openrcService(iface)} stop; rc-update del ${openrcService(iface)} default; } >/dev/null 2>&1`
      : `systemctl disable -q --now ${timerUnit(iface)} >/dev/null 2>&1`;
  const rm = reresolvePaths(iface).map((p) => `{ ! grep -qs '^${MARK}' ${quote(p)} || rm -f ${quote(p)}; }`);
  const dir = quote(dropInPath(iface).slice(0, dropInPath(iface).lastIndexOf("/")));
  const reload = init === "openrc" ? [] : [`rmdir ${dir} 2>/dev/null`, "systemctl daemon-reload"];
  return [stop, ...rm, ...reload, "true"].join("; ");
}

/**
 * The plan's steps for the job on gateway `index`: install it when the peer's endpoint is a name,
 * take it away when it no longer is. Offline (no facts) the install is planned for systemd and
 * nothing is planned for removal.
 */
export function reresolveSteps(site: Site, index: 0 | 1, facts: HostFacts | undefined): Step[] {
  const iface = site.sites[index].interface;
  const init = initOf(facts);
  const files = reresolveFiles(site, index, init);
  const existing = (path: string): string | undefined | null => (facts ? facts.files[path] : null);
  if (files.length === 0) {
    const left = facts ? reresolvePaths(iface).filter((p) => existing(p)?.includes(MARK)) : [];
    if (left.length === 0) return [];
    return [
      {
        id: "reresolve",
        phase: "configure",
        title: `Remove the endpoint re-resolution job of ${iface} (the endpoint is an address now)`,
        ops: [{ op: "run", sh: removeJobCommand(iface, init) }],
        // Put back by the rollback of this run: the files' backups are not kept by the job's removal.
        undo: [],
      },
    ];
  }
  const ep = endpointName(site, index)!;
  const same = facts !== undefined && files.every((f) => existing(f.path) === f.content);
  // OpenRC: fd 9 closed, or the looping service started by rc-service would hold the run's lock (gather.ts) for good.
  const start =
    init === "openrc"
      ? `rc-update add ${openrcService(iface)} default >/dev/null && rc-service ${openrcService(iface)} restart 9>&-`
      : `systemctl daemon-reload && systemctl enable -q ${timerUnit(iface)} && systemctl restart ${timerUnit(iface)}`;
  const wasThere = typeof existing(files[0]!.path) === "string";
  const stop =
    init === "openrc"
      ? `{ rc-service ${openrcService(iface)} stop; rc-update del ${openrcService(iface)} default; } >/dev/null 2>&1`
      : `systemctl disable -q --now ${timerUnit(iface)} >/dev/null 2>&1`;
  const ops: Op[] = [...files.map((f): Op => ({ op: "write", path: f.path, mode: f.mode, content: f.content })), { op: "run", sh: start }];
  const undo: Op[] = [
    ...(wasThere ? [] : [{ op: "run", sh: stop, mayFail: true } as const]),
    ...files.map((f): Op => ({ op: "restore", path: f.path, existed: typeof existing(f.path) === "string" })),
    ...(init === "openrc" ? [] : [{ op: "run", sh: "systemctl daemon-reload", mayFail: true } as const]),
  ];
  return [
    {
      id: "reresolve",
      phase: "configure",
      title: `Install the endpoint re-resolution job for ${ep.name} (${init === "openrc" ? openrcService(iface) : timerUnit(iface)}, every ${EVERY_SEC} s)`,
      reason: `${ep.peer}'s endpoint is a DNS name: wg-quick resolves it once, at start; the job follows an address change, and wg-quick@${iface} waits for the name at boot`,
      ...(same ? { ops: [], undo: [], noop: `${timerUnit(iface).replace(/\.timer$/, "")} job already installed for ${ep.name}` } : { ops, undo }),
    },
  ];
}

/** The step `remove` adds: the job goes, found by its mark, whatever the site file says now. */
export function reresolveRemovalStep(iface: string, facts: HostFacts): Step | undefined {
  const present = reresolvePaths(iface).some((p) => facts.files[p]?.includes(MARK));
  if (!present) return undefined;
  return { id: "reresolve", phase: "configure", title: `Remove the endpoint re-resolution job of ${iface}`, ops: [{ op: "run", sh: removeJobCommand(iface, initOf(facts)) }], undo: [] };
}
