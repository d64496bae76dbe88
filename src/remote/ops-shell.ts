import { Buffer } from "node:buffer";
import { armRevertCommand, disarmRevertCommand, unitCommand, type InitSystem } from "../core/init-system.ts";
import { RULE_MARK, nftTableName } from "../core/firewall.ts";
import { backupPath, configPath, keyPath, pskPath } from "../core/plan.ts";
import type { Op } from "../core/plan-types.ts";
import { quote } from "../core/shell.ts";

/**
 * The only code that turns operations into shell. Every changing command wgsite runs on a gateway
 * is one of these; each is safe to run again, and each undo is safe where its step never ran.
 */
export type OpContext = { readonly runId: string };

function dirOf(path: string): string {
  return quote(path.slice(0, path.lastIndexOf("/")) || "/");
}

/** Temp + rename, the content base64 so no character in it can end the command; a different file replaced is backed up. */
function writeFile(path: string, content: string, mode: string, runId: string | undefined): string {
  const b64 = Buffer.from(content, "utf8").toString("base64");
  const p = quote(path);
  const tmp = quote(`${path}.wgsite-tmp`);
  return [
    `mkdir -p ${dirOf(path)}`,
    `(umask 077 && printf %s ${b64} | base64 -d > ${tmp})`,
    `chmod ${mode} ${tmp}`,
    ...(runId === undefined ? [] : [`{ [ ! -e ${p} ] || cmp -s ${p} ${tmp} || cp -p ${p} ${quote(backupPath(path, runId))}; }`]),
    `mv -f ${tmp} ${p}`,
  ].join(" && ");
}

/** wgsite's marked rules for `iface` in iptables, ip6tables and nftables, whoever added them (ufw and firewalld keep their own books). */
function sweepRules(iface: string): string {
  const mark = RULE_MARK.replace("%i", iface);
  const ipt = (cmd: string) =>
    `command -v ${cmd}-save >/dev/null 2>&1 && for t in filter nat mangle; do ${cmd}-save -t $t 2>/dev/null | grep -E -- ${quote(`--comment "?${mark}"?( |$)`)} | grep -v '^-A ufw' | sed 's/^-A /-D /' | while read -r r; do eval "${cmd} -w -t $t $r" 2>/dev/null; done; done`;
  const nft = `command -v nft >/dev/null 2>&1 && { nft -a list ruleset 2>/dev/null | awk '/^table /{t=$2" "$3} /^[ \\t]*chain /{c=$2} /comment "${mark}"/{print t, c, $NF}' | while read -r f tb ch h; do nft delete rule $f $tb $ch handle $h 2>/dev/null; done; nft delete table inet ${nftTableName(iface)} 2>/dev/null; }`;
  return `{ ${ipt("iptables")}; ${ipt("ip6tables")}; ${nft}; true; }`;
}

/**
 * The config on disk onto the running interface: `wg syncconf` with the stripped config (plus the
 * private key, which wg-quick sets by PostUp and syncconf would otherwise remove), the preshared
 * keys as the config's PostUp names them, and the allowed IPs' routes added and dropped as wg-quick
 * would have made them. Nothing when the interface is not up.
 */
function reloadPeers(iface: string): string {
  const i = quote(iface);
  const sync = `/run/wgsite/${iface}.sync`;
  return [
    `if ip link show ${i} >/dev/null 2>&1; then`,
    `mkdir -p /run/wgsite && (umask 077 && wg-quick strip ${i} | awk 'NR==FNR {k=$0; next} {print} /^\\[Interface\\]/ && !d {print "PrivateKey = " k; d=1}' ${quote(keyPath(iface))} - > ${sync}) && wg syncconf ${i} ${sync}; rc=$?; rm -f ${sync}; [ $rc = 0 ] || exit $rc`,
    `psk=$(sed -n 's/^PostUp = wg set %i peer \\([^ ]*\\) preshared-key .*/\\1/p' ${quote(configPath(iface))})`,
    `for k in $(wg show ${i} peers); do if [ "$k" = "$psk" ]; then wg set ${i} peer "$k" preshared-key ${quote(pskPath(iface))}; else wg set ${i} peer "$k" preshared-key /dev/null; fi || exit 1; done`,
    `allowed=$(wg show ${i} allowed-ips | cut -f2 | tr ' ' '\\n' | grep /)`,
    `for c in $allowed; do f=-4; case $c in *:*) f=-6;; esac; [ -n "$(ip $f route show dev ${i} match $c 2>/dev/null)" ] || ip $f route add $c dev ${i} || exit 1; done`,
    `for f in -4 -6; do ip $f -o route show dev ${i} proto boot 2>/dev/null | awk '{print $1}' | while read -r r; do echo "$allowed" | grep -qxF "$r" || ip $f route del "$r" dev ${i}; done; done`,
    `fi`,
  ].join("\n");
}

export function opShell(op: Op, ctx: OpContext): string {
  switch (op.op) {
    case "write":
      return writeFile(op.path, op.content, op.mode, op.noBackup ? undefined : ctx.runId);
    case "write-secret": {
      // The secret was read from stdin into $WGSITE_PSK by the batch prelude: never in argv.
      const p = quote(op.path);
      const tmp = quote(`${op.path}.wgsite-tmp`);
      return `mkdir -p ${dirOf(op.path)} && (umask 077 && printf '%s\\n' "$WGSITE_PSK" > ${tmp}) && { [ ! -e ${p} ] || cmp -s ${p} ${tmp} || cp -p ${p} ${quote(backupPath(op.path, ctx.runId))}; } && mv -f ${tmp} ${p}`;
    }
    case "genkey": {
      const p = quote(op.path);
      const tmp = quote(`${op.path}.wgsite-tmp`);
      const make = `(umask 077 && wg genkey > ${tmp}) && mv -f ${tmp} ${p}`;
      return `mkdir -p ${dirOf(op.path)} && ${op.reuse ? `if [ -s ${quote(op.reuse)} ]; then cp -p ${quote(op.reuse)} ${p}; else ${make}; fi` : make}`;
    }
    case "restore": {
      const backup = quote(backupPath(op.path, ctx.runId));
      return op.existed ? `{ [ ! -e ${backup} ] || mv -f ${backup} ${quote(op.path)}; }` : `rm -f ${quote(op.path)}`;
    }
    case "remove":
      return `rm -f ${op.paths.map(quote).join(" ")}`;
    case "move":
      return `{ [ ! -e ${quote(op.from)} ] || mv -f ${quote(op.from)} ${quote(op.to)}; }`;
    case "copy":
      return `{ [ ! -e ${quote(op.from)} ] || cp -p ${quote(op.from)} ${quote(op.to)}; }`;
    case "run":
      return op.mayFail ? `{ ${op.sh}\n} || true` : op.sh;
    case "unit":
      return unitCommand(op.init, op.action, op.iface);
    case "reload-peers":
      return reloadPeers(op.iface);
    case "sweep-rules":
      return sweepRules(op.iface);
  }
}

/** A step's ops as one command: each must succeed. */
export function opsShell(ops: readonly Op[], ctx: OpContext): string {
  return ops.length === 0 ? "true" : ops.map((o) => `{ ${opShell(o, ctx)}\n}`).join(" && ");
}

/** Undo ops as one command: each is tried, a failing one does not stop the rest. */
export function undoShell(ops: readonly Op[], ctx: OpContext): string {
  return ops.map((o) => `( ${opShell(o, ctx)}\n) 2>/dev/null`).join("\n");
}

export { armRevertCommand, disarmRevertCommand, type InitSystem };
