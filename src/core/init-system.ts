import { OPENRC_SCRIPT_PATH, openrcServiceScript } from "./openrc-service.ts";
import type { Op } from "./plan-types.ts";
import { quote } from "./shell.ts";

/**
 * The one place that knows how each init system runs a wg-quick interface: every start, stop,
 * enable and the commit-confirm revert go through here, for systemd and OpenRC alike.
 */
export type InitSystem = "systemd" | "openrc";
export type UnitAction = "enable-start" | "start" | "stop" | "restart" | "enable" | "disable" | "disable-stop" | "is-active" | "is-enabled";

/** What the init system calls the tunnel's service: one systemd template instance, or one OpenRC symlink. */
export function unitName(init: InitSystem, iface: string): string {
  return init === "systemd" ? `wg-quick@${iface}` : `wg-quick.${iface}`;
}

/** The init wgsite drives for a gateway's `init` fact; an unknown init gets systemd's commands (and a warning in the plan). */
export function initOf(init: "systemd" | "openrc" | "unknown"): InitSystem {
  return init === "openrc" ? "openrc" : "systemd";
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

/** The runlevel OpenRC services are enabled in: the one Alpine and Gentoo boot into. */
const RUNLEVEL = "default";

/**
 * rc-update add/del fail when there is nothing to do and `stop` warns on a stopped service: each
 * changing action asks first, so all are idempotent. The per-interface symlink is the plan's
 * service-script step (journaled), not made here.
 */
/**
 * rc-service runs the service as the caller's child, with the caller's open files: the run's lock
 * (fd 9, gather.ts) must not pass to wireguard-go or a revert sleeper, which would hold it for good.
 */
const CLOSE_LOCK = "9>&-";

function openrc(action: UnitAction, svc: string): string {
  const unit = quote(svc);
  const enabled = `rc-update show ${RUNLEVEL} 2>/dev/null | grep -q '^ *${svc} |'`;
  const active = `rc-service ${unit} status >/dev/null 2>&1`;
  const enable = `{ ${enabled} || rc-update add ${unit} ${RUNLEVEL} >/dev/null; }`;
  const disable = `{ ! ${enabled} || rc-update del ${unit} ${RUNLEVEL} >/dev/null; }`;
  const start = `{ ${active} || rc-service ${unit} start ${CLOSE_LOCK}; }`;
  const stop = `{ ! ${active} || rc-service ${unit} stop; }`;
  switch (action) {
    case "enable-start":
      return `${enable} && ${start}`;
    case "start":
      return start;
    case "stop":
      return stop;
    case "restart":
      return `rc-service ${unit} restart ${CLOSE_LOCK}`;
    case "enable":
      return enable;
    case "disable":
      return disable;
    case "disable-stop":
      return `${disable} && ${stop}`;
    case "is-active":
      return active;
    case "is-enabled":
      return enabled;
  }
}

/** Shell for one action on the interface's service. */
export function unitCommand(init: InitSystem, action: UnitAction, iface: string): string {
  const name = unitName(init, iface);
  return init === "systemd" ? systemd(action, name) : openrc(action, name);
}

/** Where an OpenRC gateway keeps the process group of a pending revert, so a later run can disarm it. */
export function revertPidFile(name: string): string {
  return `/run/wgsite/${name}.pid`;
}

/**
 * Commit-confirm: runs `script` after `afterSec` unless disarmed, and survives the SSH session
 * dying. systemd: a transient timer. OpenRC: a detached session (setsid) sleeping, its process
 * group's id in a pid file; the pid file goes before the script runs, so a late disarm cannot cut a
 * rollback short.
 */
export function armRevertCommand(init: InitSystem, name: string, script: string, afterSec: number): string {
  const sec = Math.ceil(afterSec);
  if (init === "systemd") {
    return [
      `systemctl stop ${name}.timer ${name}.service 2>/dev/null; systemctl reset-failed ${name}.service ${name}.timer 2>/dev/null`,
      `systemd-run --quiet --unit=${name} --on-active=${sec}s /bin/sh ${quote(script)}`,
    ].join("\n");
  }
  const pid = revertPidFile(name);
  const body = `echo $$ > ${pid} && sleep ${sec} && rm -f ${pid} && exec /bin/sh ${quote(script)}`;
  return [
    disarmRevertCommand(init, name),
    `mkdir -p /run/wgsite`,
    // In a subshell: not a child of the batch shell, whose `wait` (verification's) must not wait for it.
    `(setsid /bin/sh -c ${quote(body)} </dev/null >/dev/null 2>&1 ${CLOSE_LOCK} &)`,
    // The detached shell writes the pid file: wait for it, so a disarm right after finds it.
    `for i in 1 2 3 4 5 6 7 8 9 10; do [ -s ${pid} ] && break; sleep 0.1; done; [ -s ${pid} ]`,
  ].join("\n");
}

export function disarmRevertCommand(init: InitSystem, name: string): string {
  if (init === "systemd") return `systemctl stop ${name}.timer 2>/dev/null; systemctl reset-failed ${name}.service ${name}.timer 2>/dev/null; true`;
  const pid = revertPidFile(name);
  // The process group (the leading "-"): the sleep goes with its shell. No "--": dash's kill takes it for a pid.
  return `if [ -s ${pid} ]; then kill -TERM -"$(cat ${pid})" 2>/dev/null; rm -f ${pid}; fi; true`;
}

/** What the gateway already has of the wg-quick service (the service-script fact). */
export type ServiceScriptFacts = { readonly script: boolean; readonly link: boolean };

/** Facts older than the service-script fact are read as "all there", which changes nothing. */
const PRESENT: ServiceScriptFacts = { script: true, link: true };

/** The interface's OpenRC symlink to the script. */
export function serviceLinkPath(iface: string): string {
  return `${OPENRC_SCRIPT_PATH}.${iface}`;
}

/**
 * What wgsite installs when the system lacks a wg-quick service: nothing on systemd (wireguard-tools
 * ships wg-quick@.service everywhere); on OpenRC Alpine's script where none is shipped (Debian's and
 * Gentoo's packages have none) and the interface's symlink. Ops and undo, and the paths created, which
 * the journal records so `remove` deletes them.
 */
export function serviceScriptOps(init: InitSystem, facts: { readonly serviceScript?: ServiceScriptFacts; readonly packageManager?: string } | undefined, iface: string): { ops: Op[]; undo: Op[]; created: string[] } {
  if (init !== "openrc" || facts === undefined) return { ops: [], undo: [], created: [] };
  const have = facts.serviceScript ?? PRESENT;
  const ops: Op[] = [];
  const created: string[] = [];
  // Alpine's package manager installs its own script (wireguard-tools-openrc, packages.ts).
  if (!have.script && facts.packageManager !== "apk") {
    ops.push({ op: "write", path: OPENRC_SCRIPT_PATH, mode: "0755", content: openrcServiceScript() });
    created.push(OPENRC_SCRIPT_PATH);
  }
  if (!have.link) {
    const link = serviceLinkPath(iface);
    ops.push({ op: "run", sh: `ln -sfn wg-quick ${quote(link)}` });
    created.push(link);
  }
  return { ops, undo: created.length > 0 ? [{ op: "remove", paths: [...created].reverse() }] : [], created };
}
