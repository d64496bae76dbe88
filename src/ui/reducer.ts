import { plan } from "../core/plan.ts";
import { siteToYaml } from "../core/site-yaml.ts";
import { fieldProblems, hubOf, siteCount, siteOf, splitField, type FieldId } from "./answers.ts";
import { applyEvent, applyViewOf, finishApply } from "./apply-view.ts";
import { fieldSpec, isTyping } from "./field-specs.ts";
import { publicHostOf } from "./public-host.ts";
import { rerunCommand } from "./rerun.ts";
import { addSite, removeSite, renameHub } from "./site-list.ts";
import { siteFileName, siteTitle } from "./site-names.ts";
import { FORM_SCREENS, FORMS, formFields, SCREEN_ORDER, type FormScreen, type Screen, type Transition, type WizardEffect, type WizardEvent, type WizardState } from "./state.ts";

const stay = (state: WizardState, ...effects: WizardEffect[]): Transition => ({ state, effects });

function isForm(screen: Screen): screen is FormScreen {
  return screen in FORMS;
}

/** An edit; an SSH target that has not been overridden also fills its endpoint when it is a public address. */
function edit(state: WizardState, field: FieldId, value: string): WizardState {
  // The list's own Enter may arrive after the site was added or removed: only a choice still offered, while focused, counts.
  if (field === "more" && (state.focus !== "more" || !fieldSpec("more", state).choices?.some((c) => c.value === value))) return state;
  const split = splitField(field);
  // `+` fits no name and no LAN: typed on the sites screen it adds a site.
  if (state.screen === "sites" && split && (split[0] === "name" || split[0] === "lan") && value.includes("+")) {
    return withSiteAdded(edit(state, field, value.replaceAll("+", "")));
  }
  let answers: Record<FieldId, string> = { ...state.answers, [field]: value };
  // The hub follows its site's renaming; while another site has the same name, it stays with that one.
  if (split?.[0] === "name" && namedCount(state, state.answers[field]) === 1) answers = { ...renameHub(answers, state.answers[field], value) };
  const touched = state.touched.includes(field) ? state.touched : [...state.touched, field];
  const side = split?.[0] === "ssh" ? split[1] : undefined;
  if (side !== undefined && !state.touched.includes(`endpoint${side}`)) answers[`endpoint${side}`] = publicHostOf(value, state.aliases) ?? "";
  return { ...state, answers, touched, otherHighlighted: undefined, notice: undefined };
}

function namedCount(state: WizardState, name: string): number {
  return Array.from({ length: siteCount(state.answers) }, (_, i) => state.answers[`name${i}`]).filter((n) => n === name).length;
}

function firstNamed(state: WizardState, name: string): number | undefined {
  return Array.from({ length: siteCount(state.answers) }, (_, i) => i).find((i) => state.answers[`name${i}`] === name);
}

/** Which per-site fields were touched, after site `removed` left (or none did): the later sites' marks move up. */
function shiftTouched(touched: readonly FieldId[], removed: number): FieldId[] {
  return touched.flatMap((f): FieldId[] => {
    const split = splitField(f);
    if (!split || split[1] < removed) return [f];
    if (split[1] === removed) return [];
    return [`${split[0]}${split[1] - 1}`];
  });
}

/** One more site, its name focused; the sites screen lists it below the others. */
function withSiteAdded(state: WizardState): WizardState {
  const count = siteCount(state.answers);
  const answers = addSite(state.answers);
  if (siteCount(answers) === count) return { ...state, notice: `wgsite joins at most ${count} sites` };
  return focusField({ ...state, answers: { ...answers, more: "keep" }, gateways: [...state.gateways, { phase: "waiting" }], notice: undefined }, `name${count}`);
}

/** Site `side` removed (at least two remain); a removed hub leaves a mesh and the topology focused, saying so. */
function withSiteRemoved(state: WizardState, side: number): WizardState {
  const name = state.answers[`name${side}`];
  const { answers, hubRemoved } = removeSite(state.answers, side);
  if (siteCount(answers) === siteCount(state.answers)) return { ...state, notice: "a site-to-site tunnel needs at least two sites; add one before removing another" };
  const next: WizardState = {
    ...state,
    answers: { ...answers, more: "keep" },
    touched: shiftTouched(state.touched, side),
    typing: shiftTouched(state.typing, side),
    gateways: state.gateways.filter((_, i) => i !== side),
    notice: !hubRemoved
      ? `${name} removed`
      : siteCount(answers) === 2
        ? `${name} was the hub and is removed: the two sites left are joined directly`
        : `${name} was the hub and is removed: the sites are a mesh now; pick another hub here if they should be one`,
  };
  const fields = formFields("sites", next.answers);
  return focusField(next, hubRemoved && fields.includes("topology") ? "topology" : fields[fields.length - 1]!);
}

/** Focuses a field; a choice list shows its first choice as the answer until another is picked. */
function focusField(state: WizardState, field: FieldId): WizardState {
  const focused = { ...state, focus: field, otherHighlighted: undefined };
  const choices = fieldSpec(field, focused).choices;
  if (choices && choices.length > 0 && !isTyping(focused, field) && !choices.some((c) => c.value === focused.answers[field])) {
    const hub = field === "topology" ? hubOf(focused.answers) : undefined;
    const edited = edit(focused, field, choices[0]!.value);
    // A file's hub that is none of its sites: said, not silently replaced.
    return hub === undefined ? edited : { ...edited, notice: `the file's hub ${JSON.stringify(hub)} is not one of the sites; pick the hub here (or mesh)` };
  }
  return focused;
}

function enter(state: WizardState, screen: Screen, at: "first" | "last" = "first"): WizardState {
  const next = { ...state, screen, notice: undefined };
  if (!isForm(screen)) return next;
  const fields = formFields(screen, state.answers);
  return focusField(next, at === "first" ? fields[0]! : fields[fields.length - 1]!);
}

function connect(state: WizardState): Transition {
  const checked = siteOf(state.answers, state.extras);
  if (!checked.ok) return stay(state);
  const attempt = state.attempt + 1;
  const next: WizardState = {
    ...state,
    screen: "connect",
    attempt,
    site: checked.site,
    gateways: checked.site.sites.map(() => ({ phase: "waiting" as const })),
    connectError: undefined,
    facts: undefined,
    plan: undefined,
    blockers: [],
    apply: undefined,
  };
  return stay(next, ...(state.attempt > 0 ? [{ type: "disconnect" } as const] : []), { type: "connect", attempt, site: checked.site });
}

/** Leaves a form forward: stops at the first field with a problem, on whichever screen it is asked. */
function leaveForm(state: WizardState, screen: FormScreen): Transition {
  const problems = fieldProblems(state.answers, state.extras);
  const upTo: readonly FormScreen[] = screen === "done" ? ["done"] : FORM_SCREENS.filter((s) => SCREEN_ORDER.indexOf(s) <= SCREEN_ORDER.indexOf(screen));
  for (const s of upTo) {
    const bad = formFields(s, state.answers).find((f) => problems[f]);
    if (bad) return stay(focusField({ ...state, screen: s }, bad));
  }
  if (screen === "sites") return stay(enter(state, "tunnel"));
  if (screen === "tunnel") return stay(enter(state, "gateways"));
  if (screen === "gateways") return connect(state);
  if (!state.site || state.save.status === "saving") return stay(state);
  const path = state.answers.savePath.trim();
  const text = siteToYaml(state.site, {
    header: [`wgsite site file: ${siteTitle(state.site)}`, `rerun without questions: ${rerunCommand(path, state.settings)}`],
  });
  return stay({ ...state, save: { status: "saving" } }, { type: "save", path, text });
}

function next(state: WizardState): Transition {
  const screen = state.screen;
  if (isForm(screen)) {
    const field = state.focus;
    if (state.otherHighlighted === field) return stay({ ...state, typing: [...state.typing, field], otherHighlighted: undefined });
    if (field === "more" && state.answers.more === "add") return stay(withSiteAdded(state));
    if (field === "more" && state.answers.more.startsWith("remove:")) {
      const side = firstNamed(state, state.answers.more.slice(7));
      return stay(side === undefined ? { ...state, answers: { ...state.answers, more: "keep" } } : withSiteRemoved(state, side));
    }
    if (fieldProblems(state.answers, state.extras)[field]) return stay(state);
    const fields = formFields(screen, state.answers);
    const index = fields.indexOf(field);
    return index < fields.length - 1 ? stay(focusField(state, fields[index + 1]!)) : leaveForm(state, screen);
  }
  if (screen === "connect") {
    if (state.connectError) return connect(state);
    return state.plan && state.blockers.length === 0 ? stay({ ...state, screen: "review" }) : stay(state);
  }
  if (screen === "apply" && state.apply?.failure && !state.apply.running) return connect(state);
  return stay(state);
}

function moveField(state: WizardState, by: -1 | 1): Transition {
  if (!isForm(state.screen)) return stay(state);
  const fields = formFields(state.screen, state.answers);
  const target = fields[fields.indexOf(state.focus) + by];
  return stay(target ? focusField(state, target) : state);
}

function back(state: WizardState): Transition {
  switch (state.screen) {
    case "tunnel":
      return stay(enter(state, "sites", "last"));
    case "gateways":
      return stay(enter(state, "tunnel", "last"));
    case "connect":
    case "review":
      return stay(enter({ ...state, attempt: state.attempt + 1 }, "gateways", "last"), { type: "disconnect" });
    case "apply":
      return state.apply?.running ? stay(state) : stay(enter({ ...state, attempt: state.attempt + 1 }, "gateways", "last"), { type: "disconnect" });
    default:
      return stay(state);
  }
}

/** 0 verified, 1 the run failed (or was left), the connection's own code, 130 when left before applying. */
export function exitCode(state: WizardState): number {
  if (state.apply) return state.apply.report?.ok ? 0 : 1;
  return state.connectError?.code ?? 130;
}

/** Leaves the wizard (once) with its exit code and a last line for the terminal, where one helps. */
function leave(state: WizardState, watch = false): Transition {
  return state.exiting ? stay(state) : stay({ ...state, exiting: true, quitAsked: false }, exitWith(state, watch));
}

function exitWith(state: WizardState, watch: boolean): WizardEffect {
  const code = exitCode(state);
  const rerun = "run wgsite again (every step checks before it acts, so a rerun finishes the job)";
  if (state.apply?.running) {
    return { type: "exit", code, message: `left while the gateways were being changed: they may be half-configured; ${rerun}` };
  }
  if (!state.apply) return { type: "exit", code, message: "quit; nothing was changed on the gateways" };
  if (state.save.status !== "saved") return { type: "exit", code, message: "quit without saving the site file" };
  return { type: "exit", code, ...(watch && state.site ? { watch: state.site } : {}) };
}

export function update(state: WizardState, event: WizardEvent): Transition {
  switch (event.type) {
    case "edit":
      return stay(edit(state, event.field, event.value));
    case "highlight-other":
      return stay({ ...state, otherHighlighted: event.field });
    case "next":
      return next(state);
    case "next-field":
      return moveField(state, 1);
    case "previous-field":
      return moveField(state, -1);
    case "back":
      return back(state);
    case "quit":
      return state.apply?.running && !state.exiting ? stay({ ...state, quitAsked: true }) : leave(state);
    case "quit-answered":
      return event.abandon ? leave(state) : stay({ ...state, quitAsked: false });
    case "switch-gateway": {
      const n = state.plan?.gateways.length ?? 2;
      return stay({ ...state, reviewTab: (state.reviewTab + (event.by ?? 1) + n) % n });
    }
    case "confirm-apply":
      if (state.screen !== "review" || !state.plan || !state.site || state.blockers.length > 0) return stay(state);
      return stay({ ...state, screen: "apply", apply: applyViewOf(state.plan) }, { type: "apply", attempt: state.attempt, site: state.site, plan: state.plan });
    case "retry":
      return state.connectError || state.apply?.failure ? connect(state) : stay(state);
    case "engine": {
      if (event.attempt !== state.attempt) return stay(state);
      const e = event.event;
      const index = state.site?.sites.findIndex((s) => "site" in e && s.name === e.site) ?? -1;
      if (e.type === "connecting" || e.type === "facts") {
        if (index < 0) return stay(state);
        const gateways = [...state.gateways];
        gateways[index] = e.type === "connecting" ? { phase: "connecting", target: e.target } : { ...gateways[index]!, phase: "ready", facts: e.facts };
        return stay({ ...state, gateways });
      }
      if (!state.apply || !state.site) return stay(state);
      return stay({ ...state, apply: applyEvent(state.apply, state.site.sites.map((s) => s.name), e) });
    }
    case "connected": {
      if (event.attempt !== state.attempt || state.screen !== "connect" || !state.site) return stay(state);
      const facts = event.facts;
      return stay({ ...state, facts, plan: plan({ site: state.site, facts, runId: event.runId }), blockers: event.blockers, reviewTab: 0 });
    }
    case "connect-failed":
      if (event.attempt !== state.attempt) return stay(state);
      return stay({ ...state, connectError: { message: event.message, code: event.code } });
    case "prompt":
      return stay({ ...state, prompts: [...state.prompts, event.prompt] });
    case "prompt-answered":
      return stay({ ...state, prompts: state.prompts.filter((p) => p.id !== event.id) }, { type: "answer-prompt", id: event.id, answer: event.answer });
    case "applied": {
      if (!state.apply) return stay(state);
      const names = state.site ? state.site.sites.map((s) => s.name) : [];
      const apply = finishApply(state.apply, event.report, names);
      // The gateways' locks are freed as soon as the run is over; a retry connects afresh.
      if (apply.failure) return stay({ ...state, apply, quitAsked: false }, { type: "disconnect" });
      const savePath = state.touched.includes("savePath") ? state.answers.savePath : siteFileName(names);
      // Locks are freed at once; the connections stay for the live status pane.
      return stay(enter({ ...state, apply, quitAsked: false, answers: { ...state.answers, savePath } }, "done"), { type: "release" });
    }
    case "saved":
      // Nothing is left to ask: the wizard hands the terminal to the live pane (run-wizard.tsx).
      return leave({ ...state, save: { status: "saved", path: event.path } }, true);
    case "save-failed":
      return stay({ ...state, save: { status: "asking", error: event.message } });
  }
}
