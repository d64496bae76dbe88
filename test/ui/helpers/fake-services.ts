import type { Site } from "../../../src/core/site.ts";
import type { ApplyEvent, ApplyReport, Emit } from "../../../src/remote/events.ts";
import type { Prompts } from "../../../src/remote/prompts.ts";
import type { Connected, WizardServices } from "../../../src/ui/services.ts";
import { FRESH, FRESH_BETA } from "./fixtures.ts";

export type FakeScript = {
  /** What connecting does; default: both gateways answer with fresh facts. */
  readonly connect?: (site: Site, prompts: Prompts, emit: Emit) => Promise<Connected>;
  /** Events the engine emits, then its report; default: a clean run. */
  readonly apply?: (site: Site, emit: Emit) => Promise<ApplyReport>;
};

export type FakeServices = WizardServices & { readonly calls: string[]; readonly saved: Map<string, string> };

/** Services without a network: each call is recorded; connect and apply follow the script. */
export function fakeServices(script: FakeScript = {}): FakeServices {
  const calls: string[] = [];
  const saved = new Map<string, string>();
  return {
    calls,
    saved,
    connect: async (site, prompts, emit) => {
      calls.push("connect");
      if (script.connect) return script.connect(site, prompts, emit);
      for (const def of site.sites) emit({ type: "connecting", site: def.name, target: def.ssh });
      emit({ type: "facts", site: site.sites[0].name, facts: FRESH });
      emit({ type: "facts", site: site.sites[1].name, facts: FRESH_BETA });
      return { facts: [FRESH, FRESH_BETA], blockers: [] };
    },
    apply: async (site, _plan, emit) => {
      calls.push("apply");
      if (script.apply) return script.apply(site, emit);
      return { ok: true, gateways: [] };
    },
    disconnect: async () => {
      calls.push("disconnect");
    },
    release: () => {
      calls.push("release");
    },
    live: () => undefined,
    adopt: () => undefined,
    save: async (path, text) => {
      calls.push(`save ${path}`);
      saved.set(path, text);
      return `/work${path.replace(/^\./, "")}`;
    },
    runId: () => "20260101T000000Z",
  };
}

/** An engine run that emits `events` (spaced out a little, as a real one would) and reports `report`. */
export function scriptedApply(events: readonly ApplyEvent[], report: ApplyReport): (site: Site, emit: Emit) => Promise<ApplyReport> {
  return async (_site, emit) => {
    for (const event of events) {
      emit(event);
      await new Promise((r) => setTimeout(r, 2));
    }
    return report;
  };
}
