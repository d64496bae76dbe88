import { useApp } from "ink";
import { useCallback, useEffect, useRef, useState } from "react";
import { ExitError } from "../../core/exit-codes.ts";
import type { Secret } from "../../core/secret.ts";
import type { Site } from "../../core/site.ts";
import type { ApplyEvent } from "../../remote/events.ts";
import { update } from "../reducer.ts";
import { screenPrompts } from "../screen-prompts.ts";
import type { WizardServices } from "../services.ts";
import type { PromptAnswer, WizardEffect, WizardEvent, WizardState } from "../state.ts";

/** How the wizard ended; `watch`: the live pane of this site follows, over the wizard's connections (still open). */
export type WizardExit = { code: number; message?: string; watch?: Site };

/**
 * The one effect runner: events go through the pure reducer, and the effects it returns are run
 * here, their results coming back as events. Answers to on-screen prompts resolve the promise the
 * connection is waiting on.
 */
export function useWizard(initial: WizardState, services: WizardServices, onExit: (exit: WizardExit) => void): readonly [WizardState, (event: WizardEvent) => void] {
  const [state, setState] = useState(initial);
  const current = useRef(initial);
  const waiting = useRef(new Map<number, (answer: PromptAnswer) => void>());
  const sudoCache = useRef(new Map<string, Secret>());
  const passphrases = useRef(new Map<string, Secret>());
  // Once the wizard has ended nothing can answer on screen: the live pane's reconnects get the
  // passphrase typed earlier, and no to anything else (host keys were recorded when accepted).
  const ended = useRef(false);
  const promptIds = useRef(0);
  const { exit } = useApp();
  // An exit that must leave the screen of the state that caused it (the saved site file) waits for
  // that state to be committed: Ink's last frame is drawn from the committed tree.
  const exitAfterCommit = useRef<(() => void) | undefined>(undefined);
  useEffect(() => {
    const leave = exitAfterCommit.current;
    exitAfterCommit.current = undefined;
    leave?.();
  }, [state]);

  const dispatch = useCallback(
    (event: WizardEvent) => {
      const transition = update(current.current, event);
      current.current = transition.state;
      setState(transition.state);
      for (const effect of transition.effects) run(effect);
    },
    // run() reads only refs and services, which never change during a run.
    [],
  );

  function run(effect: WizardEffect): void {
    switch (effect.type) {
      case "connect": {
        const { attempt, site } = effect;
        const emit = (event: ApplyEvent) => dispatch({ type: "engine", attempt, event });
        const ask = (request: Parameters<Parameters<typeof screenPrompts>[0]>[0]) =>
          new Promise<PromptAnswer>((resolve) => {
            if (ended.current) return resolve(request.kind === "passphrase" ? passphrases.current.get(request.keyPath) : undefined);
            const id = ++promptIds.current;
            waiting.current.set(id, resolve);
            dispatch({ type: "prompt", prompt: { ...request, id } as WizardState["prompts"][number] });
          });
        const targets = Object.fromEntries(site.sites.map((s) => [s.name, s.ssh]));
        services.connect(site, screenPrompts(ask, targets, sudoCache.current, passphrases.current), emit).then(
          ({ facts, blockers }) => dispatch({ type: "connected", attempt, facts, blockers, runId: services.runId() }),
          (error: unknown) => {
            sudoCache.current.clear();
            dispatch({ type: "connect-failed", attempt, message: (error as Error).message, code: error instanceof ExitError ? error.code : 1 });
          },
        );
        return;
      }
      case "disconnect":
        void services.disconnect();
        return;
      case "release":
        services.release();
        return;
      case "apply": {
        const emit = (event: ApplyEvent) => dispatch({ type: "engine", attempt: effect.attempt, event });
        services.apply(effect.site, effect.plan, emit).then(
          (report) => dispatch({ type: "applied", report }),
          (error: unknown) => dispatch({ type: "applied", report: { ok: false, gateways: [], error: (error as Error).message } }),
        );
        return;
      }
      case "answer-prompt":
        waiting.current.get(effect.id)?.(effect.answer);
        waiting.current.delete(effect.id);
        return;
      case "save":
        services.save(effect.path, effect.text).then(
          (path) => dispatch({ type: "saved", path }),
          (error: unknown) => dispatch({ type: "save-failed", message: (error as Error).message }),
        );
        return;
      case "exit":
        ended.current = true;
        onExit({ code: effect.code, ...(effect.message ? { message: effect.message } : {}), ...(effect.watch ? { watch: effect.watch } : {}) });
        if (effect.watch) exitAfterCommit.current = () => exit();
        else void services.disconnect().finally(() => exit());
        return;
    }
  }

  return [state, dispatch] as const;
}
