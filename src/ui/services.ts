import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { HostFacts } from "../core/host-facts.ts";
import type { Problem, Site } from "../core/site.ts";
import { runId } from "../flows/apply.ts";
import { reconnector } from "../flows/status.ts";
import type { Plan } from "../core/plan-types.ts";
import { applyPlan } from "../remote/apply-engine.ts";
import { refusals } from "../remote/refusals.ts";
import type { ApplyReport, Emit } from "../remote/events.ts";
import { closeSessions, openGateways, type GatewaySession, type SshOptions } from "../remote/gateways.ts";
import type { Prompts } from "../remote/prompts.ts";

/** One per site, in the file's order. */
export type Sessions = readonly GatewaySession[];

export type LiveSessions = { readonly sessions: Sessions; readonly reconnect: (previous: GatewaySession) => Promise<GatewaySession> };

export type Connected = {
  readonly facts: readonly HostFacts[];
  /** Conflicts that must stop the run before any change, each with its fix. */
  readonly blockers: readonly Problem[];
};

/** The effects the wizard needs from the world; tests hand in fakes. */
export type WizardServices = {
  /** Connects every gateway (in parallel) and keeps the sessions (and their locks) for `apply`. */
  readonly connect: (site: Site, prompts: Prompts, emit: Emit) => Promise<Connected>;
  /** Runs the plan the person reviewed, as it is. */
  readonly apply: (site: Site, plan: Plan, emit: Emit) => Promise<ApplyReport>;
  readonly disconnect: () => Promise<void>;
  /** Frees the gateways' wgsite locks and keeps the connections, for the status pane. */
  readonly release: () => void;
  /** The open sessions and how to reopen one, for the live status pane; undefined when not connected. */
  readonly live: () => LiveSessions | undefined;
  /** The sessions the status pane ended with (a reconnect replaces one), so they are the ones closed. */
  readonly adopt: (sessions: Sessions) => void;
  /** Writes the file whole or not at all; resolves with the absolute path. */
  readonly save: (path: string, text: string) => Promise<string>;
  readonly runId: () => string;
};

/** Writes beside the target, then renames over it: a reader never sees half a file. */
export async function saveAtomically(path: string, text: string): Promise<string> {
  const target = resolve(path);
  const temp = `${target}.wgsite-${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o644, flag: "wx" });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`${dirname(target)} does not exist; create it first or choose another place`);
    if (code === "EACCES" || code === "EPERM") throw new Error(`no permission to write in ${dirname(target)}; choose another place`);
    if (code === "EISDIR") throw new Error(`${target} is a directory; add a file name such as alpha-beta.yaml`);
    throw error;
  }
  return target;
}

/** What `wgsite apply` refuses to run on (src/flows/apply.ts checks the same). */

export type ApplySettings = { readonly verifyTimeoutSec: number; readonly rollback: boolean };

/** The real thing: the same engine as `wgsite apply`, over SSH. */
export function gatewayServices(ssh: SshOptions, settings: ApplySettings): WizardServices {
  let sessions: Sessions | undefined;
  let prompts: Prompts | undefined;
  // A connect that finishes after the person went back is closed at once.
  let generation = 0;
  const disconnect = async () => {
    generation++;
    const open = sessions;
    sessions = undefined;
    if (open) await closeSessions(open);
  };
  return {
    connect: async (site, asker, emit) => {
      await disconnect();
      const mine = generation;
      prompts = asker;
      const opened = await openGateways(site, ssh, asker, emit);
      if (mine !== generation) {
        await closeSessions(opened);
        throw new Error("connection abandoned");
      }
      sessions = opened;
      return { facts: opened.map((s) => s.facts), blockers: refusals(site, opened) };
    },
    apply: async (_site, plan, emit) => {
      if (!sessions) throw new Error("not connected to the gateways");
      return applyPlan(plan, sessions, { ...settings, runId: plan.runId }, emit);
    },
    disconnect,
    release: () => {
      for (const s of sessions ?? []) s.release();
    },
    live: () => (sessions && prompts ? { sessions, reconnect: reconnector(ssh, prompts) } : undefined),
    adopt: (now) => {
      sessions = now;
    },
    save: saveAtomically,
    runId: () => runId(),
  };
}
