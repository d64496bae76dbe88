import { quote } from "./shell.ts";

/**
 * The one place that knows how each init system runs a wg-quick interface: every start, stop,
 * enable and the commit-confirm revert timer go through here, for systemd and OpenRC alike.
 */
export type InitSystem = "systemd" | "openrc";
export type UnitAction = "enable-start" | "start" | "stop" | "restart" | "enable" | "disable" | "disable-stop" | "is-active" | "is-enabled";

export function unitName(init: InitSystem, iface: string): string {
  return init === "systemd" ? `wg-quick@${iface}` : `wg-quick.${iface}`;
}

function systemd(action: UnitAction, unit: string): string {
  switch (action) {
    case "enable-start":
      return `systemctl enable -q --now ${unit}`;
    case "start":
      return `systemctl start ${unit}`;
    case "stop":
      return `systemctl stop ${unit}`;
    case "restart":
      return `systemctl restart ${unit}`;
    case "enable":
      return `systemctl enable -q ${unit}`;
    case "disable":
      return `systemctl disable -q ${unit}`;
    case "disable-stop":
      return `systemctl disable -q --now ${unit}; systemctl reset-failed ${unit} 2>/dev/null; true`;
    case "is-active":
      return `systemctl is-active -q ${unit}`;
    case "is-enabled":
      return `systemctl is-enabled -q ${unit}`;
  }
}

function openrc(action: UnitAction, svc: string): string {
  const link = `{ [ -e /etc/init.d/${svc} ] || ln -s wg-quick /etc/init.d/${svc}; }`;
  switch (action) {
    case "enable-start":
      return `${link} && rc-update -q add ${svc} default && rc-service -q ${svc} start`;
    case "start":
      return `${link} && rc-service -q ${svc} start`;
    case "stop":
      return `rc-service -q ${svc} stop`;
    case "restart":
      return `${link} && rc-service -q ${svc} restart`;
    case "enable":
      return `${link} && rc-update -q add ${svc} default`;
    case "disable":
      return `rc-update -q del ${svc} default 2>/dev/null; true`;
    case "disable-stop":
      return `rc-service -q ${svc} stop 2>/dev/null; rc-update -q del ${svc} default 2>/dev/null; true`;
    case "is-active":
      return `rc-service -q ${svc} status`;
    case "is-enabled":
      return `rc-update show default 2>/dev/null | grep -q " ${svc} "`;
  }
}

/** Shell for one action on the interface's service. */
export function unitCommand(init: InitSystem, action: UnitAction, iface: string): string {
  const name = unitName(init, iface);
  return init === "systemd" ? systemd(action, name) : openrc(action, name);
}

/**
 * Commit-confirm: runs `script` after `afterSec` unless disarmed, and survives the SSH session
 * dying. systemd: a transient timer; OpenRC: a detached sleeper whose pid is kept for disarming.
 */
export function armRevertCommand(init: InitSystem, name: string, script: string, afterSec: number): string {
  const sec = Math.ceil(afterSec);
  if (init === "systemd") {
    return [
      `systemctl stop ${name}.timer ${name}.service 2>/dev/null; systemctl reset-failed ${name}.service ${name}.timer 2>/dev/null`,
      `systemd-run --quiet --unit=${name} --on-active=${sec}s /bin/sh ${quote(script)}`,
    ].join("\n");
  }
  const pid = `/run/wgsite/${name}.pid`;
  return [
    `[ ! -s ${pid} ] || kill "$(cat ${pid})" 2>/dev/null; rm -f ${pid}`,
    `setsid sh -c ${quote(`echo $$ > ${pid}; sleep ${sec}; rm -f ${pid}; exec /bin/sh ${quote(script)}`)} </dev/null >/dev/null 2>&1 &`,
  ].join("\n");
}

export function disarmRevertCommand(init: InitSystem, name: string): string {
  if (init === "systemd") return `systemctl stop ${name}.timer 2>/dev/null; systemctl reset-failed ${name}.service ${name}.timer 2>/dev/null; true`;
  const pid = `/run/wgsite/${name}.pid`;
  return `[ ! -s ${pid} ] || kill "$(cat ${pid})" 2>/dev/null; rm -f ${pid}; true`;
}
