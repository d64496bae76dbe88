import { OPENRC_SCRIPT_PATH, openrcServiceScript } from "./openrc-service.ts";
import { atomicWrite, quote } from "./shell.ts";

/** The init systems wgsite drives: every command that touches the wg-quick service comes from here. */
export type InitSystem = "systemd" | "openrc";

export type UnitAction = "enable-start" | "start" | "stop" | "restart" | "enable" | "disable" | "disable-stop" | "is-active" | "is-enabled";

/** What the init system calls the tunnel's service: one systemd template instance, or one OpenRC symlink. */
export function unitName(init: InitSystem, iface: string): string {
  return init === "openrc" ? `wg-quick.${iface}` : `wg-quick@${iface}`;
}

/** The runlevel OpenRC services are enabled in: the one Alpine and Gentoo boot into. */
const RUNLEVEL = "default";

/**
 * One shell command per action. Changing actions are idempotent (enabling an enabled service, stopping a
 * stopped one succeed); `is-active` and `is-enabled` exit 0 for yes and print nothing.
 */
export function unitCommand(init: InitSystem, action: UnitAction, iface: string): string {
  const unit = quote(unitName(init, iface));
  if (init === "systemd") {
    switch (action) {
      case "enable-start":
        return `systemctl enable -q --now ${unit}`;
      case "start":
      case "stop":
      case "restart":
        return `systemctl ${action} ${unit}`;
      case "enable":
      case "disable":
        return `systemctl ${action} -q ${unit}`;
      case "disable-stop":
        return `systemctl disable -q --now ${unit}`;
      case "is-active":
      case "is-enabled":
        return `systemctl ${action} -q ${unit}`;
    }
  }
  const enabled = `rc-update show ${RUNLEVEL} 2>/dev/null | grep -q '^ *${unitName(init, iface)} |'`;
  const active = `rc-service ${unit} status >/dev/null 2>&1`;
  // rc-update add/del fail when there is nothing to do, and `stop` warns on a stopped service: ask first.
  const enable = `{ ${enabled} || rc-update add ${unit} ${RUNLEVEL} >/dev/null; }`;
  const disable = `{ ! ${enabled} || rc-update del ${unit} ${RUNLEVEL} >/dev/null; }`;
  const start = `{ ${active} || rc-service ${unit} start; }`;
  const stop = `{ ! ${active} || rc-service ${unit} stop; }`;
  switch (action) {
    case "enable-start":
      return `${enable} && ${start}`;
    case "start":
      return start;
    case "stop":
      return stop;
    case "restart":
      return `rc-service ${unit} restart`;
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

/** Where an OpenRC gateway keeps the pid of a pending revert, so a later run can disarm it. */
export function revertPidFile(name: string): string {
  return `/run/wgsite/${name}.pid`;
}

/**
 * Commit-confirm: runs `script` after `afterSec` unless disarmed, even when the SSH session that armed it
 * dies. systemd: a transient timer. OpenRC: a detached session (setsid) sleeping, its process group's id
 * in a pid file; the pid file goes before the script runs, so a late disarm cannot cut a rollback short.
 */
export function armRevertCommand(init: InitSystem, name: string, scriptPath: string, afterSec: number): string {
  const sec = Math.ceil(afterSec);
  if (init === "systemd") {
    return [
      `systemctl stop ${name}.timer ${name}.service 2>/dev/null; systemctl reset-failed ${name}.service ${name}.timer 2>/dev/null`,
      `systemd-run --quiet --unit=${name} --on-active=${sec}s /bin/sh ${quote(scriptPath)}`,
    ].join("\n");
  }
  const pid = revertPidFile(name);
  const body = `echo $$ > ${pid} && sleep ${sec} && rm -f ${pid} && exec /bin/sh ${quote(scriptPath)}`;
  return [
    disarmRevertCommand(init, name),
    `mkdir -p /run/wgsite`,
    // In a subshell: not a child of the caller, whose `wait` (verification's) must not wait for it.
    `(setsid /bin/sh -c ${quote(body)} </dev/null >/dev/null 2>&1 &)`,
    // The pid file is written by the detached shell: wait for it, so a disarm right after finds it.
    `for i in 1 2 3 4 5 6 7 8 9 10; do [ -s ${pid} ] && break; sleep 0.1; done; [ -s ${pid} ]`,
  ].join("\n");
}

export function disarmRevertCommand(init: InitSystem, name: string): string {
  if (init === "systemd") return `systemctl stop ${name}.timer 2>/dev/null; systemctl reset-failed ${name}.service ${name}.timer 2>/dev/null; true`;
  const pid = revertPidFile(name);
  // The process group (the leading "-"): the sleep goes with its shell. No "--": dash's kill takes it for a pid.
  return `if [ -s ${pid} ]; then kill -TERM -"$(cat ${pid})" 2>/dev/null; rm -f ${pid}; fi; true`;
}

/** Files of the service itself: a regular script (written as temp + rename) or a symlink to one. */
export type ServiceFile =
  | { readonly path: string; readonly mode: "0755"; readonly content: string }
  | { readonly path: string; readonly symlinkTo: string };

/** What the gateway already has of the wg-quick service (the service-script fact). */
export type ServiceScriptFacts = { readonly script: boolean; readonly link: boolean };

/** Facts older than the service-script fact are read as "all there", which changes nothing. */
const PRESENT: ServiceScriptFacts = { script: true, link: true };

/**
 * What wgsite installs when the system lacks a wg-quick service: nothing on systemd (wireguard-tools
 * ships wg-quick@.service everywhere), Alpine's script and the interface's symlink on OpenRC (Debian's
 * and Gentoo's packages ship no script). Both are recorded in the journal and go with `remove`.
 */
export function serviceScriptFiles(init: InitSystem, facts: { readonly serviceScript?: ServiceScriptFacts }, iface: string): ServiceFile[] {
  if (init !== "openrc") return [];
  const have = facts.serviceScript ?? PRESENT;
  const out: ServiceFile[] = [];
  if (!have.script) out.push({ path: OPENRC_SCRIPT_PATH, mode: "0755", content: openrcServiceScript() });
  if (!have.link) out.push({ path: `${OPENRC_SCRIPT_PATH}.${iface}`, symlinkTo: "wg-quick" });
  return out;
}

/** Shell that installs service files (script as temp + rename, symlink by `ln -sfn`), for executors that run shell. */
export function installServiceFilesCommand(files: readonly ServiceFile[], runId: string): string {
  return files
    .map((f) => ("symlinkTo" in f ? `ln -sfn ${quote(f.symlinkTo)} ${quote(f.path)}` : atomicWrite(f.path, f.content, f.mode, runId)))
    .join(" && ");
}

/** The undo of installServiceFilesCommand: these files were absent before, so they go. */
export function removeServiceFilesCommand(files: readonly ServiceFile[]): string {
  return `rm -f ${files.map((f) => quote(f.path)).join(" ")}`;
}

/** The init wgsite drives for a gateway's `init` fact; an unknown init gets systemd's commands (and a refusal in the plan). */
export function initOf(init: "systemd" | "openrc" | "unknown"): InitSystem {
  return init === "openrc" ? "openrc" : "systemd";
}
