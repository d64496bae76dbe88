import type { Plan } from "../core/plan-types.ts";
import type { ApplyEvent, ApplyReport } from "../remote/events.ts";
import type { ApplyView, CheckLine, StepLine } from "./state.ts";

/** Every step of the plan, pending, plus the verification the engine runs last. */
export function applyViewOf(plan: Plan): ApplyView {
  const column = (index: number): StepLine[] => [
    ...plan.gateways[index]!.steps.map((s): StepLine => ({ id: s.id, title: s.title, status: "pending" })),
    { id: "verify", title: "Verify the tunnel", status: "pending" },
  ];
  return { running: true, columns: plan.gateways.map((_, i) => column(i)), checks: plan.gateways.map(() => []) };
}

function updateLine(lines: readonly StepLine[], id: string, title: string, change: Partial<StepLine>): StepLine[] {
  const found = lines.some((l) => l.id === id);
  const base = found ? lines : [...lines.filter((l) => l.id !== "verify"), { id, title, status: "pending" as const }, ...lines.filter((l) => l.id === "verify")];
  return base.map((l) => (l.id === id ? { ...l, ...change } : l));
}

/** Folds one engine event into the two columns: a spinner when a step starts, a mark and its duration when it ends. */
export function applyEvent(view: ApplyView, siteNames: readonly string[], event: ApplyEvent): ApplyView {
  if (event.type === "plan") return { ...applyViewOf(event.plan), running: view.running };
  if (!("site" in event)) return view;
  const index = siteNames.indexOf(event.site);
  if (index < 0) return view;
  const columns: (readonly StepLine[])[] = [...view.columns];
  const checks: (readonly CheckLine[])[] = [...view.checks];
  switch (event.type) {
    case "step-start":
      columns[index] = updateLine(columns[index]!, event.step, event.title, { status: "running" });
      break;
    case "step-done":
      columns[index] = updateLine(columns[index]!, event.step, event.title, {
        // Verification changes nothing, but it ran and passed.
        status: event.changed || event.step === "verify" ? "changed" : "unchanged",
        ms: event.ms,
        ...(event.note ? { note: event.note } : {}),
      });
      break;
    case "step-failed":
      columns[index] = updateLine(columns[index]!, event.step, event.title, { status: "failed", ms: event.ms, output: event.output });
      return { ...view, columns, failure: view.failure ?? { site: event.site, step: event.step, title: event.title, output: event.output } };
    case "check":
      checks[index] = [...checks[index]!, { id: event.id, ok: event.ok, detail: event.detail, ...(event.warning ? { warning: event.warning } : {}) }];
      return { ...view, checks };
    default:
      return view;
  }
  return { ...view, columns };
}

/** Where a run failed that no step reported: failing checks, or the gateway the engine's error names first (a lost connection). */
function unreportedFailure(report: ApplyReport, siteNames: readonly string[]): NonNullable<ApplyView["failure"]> {
  const error = report.error ?? "the run failed";
  if (error.startsWith("verification failed")) {
    const site = report.gateways.find((g) => g.checks.some((c) => !c.ok && !c.warning))?.site ?? "";
    return { site, step: "verify", title: "Verify the tunnel", output: error };
  }
  const site = siteNames.find((name) => error.startsWith(`${name} `) || error.startsWith(`${name}:`)) ?? "";
  return { site, step: "", title: "", output: error };
}

/** The run is over; a failed run without a failed step (verification, a lost connection) shows the engine's error. */
export function finishApply(view: ApplyView, report: ApplyReport, siteNames: readonly string[]): ApplyView {
  const failure = report.ok ? undefined : (view.failure ?? unreportedFailure(report, siteNames));
  // Steps still spinning when the run ended did not finish.
  const settle = (lines: readonly StepLine[]) => lines.map((l) => (l.status === "running" ? { ...l, status: "failed" as const } : l));
  return {
    ...view,
    running: false,
    report,
    ...(failure ? { failure, columns: view.columns.map(settle) } : {}),
  };
}
