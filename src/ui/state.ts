import type { UnknownHostInfo } from "../remote/ssh/host-key.ts";
import type { HostFacts } from "../core/host-facts.ts";
import type { Plan } from "../core/plan-types.ts";
import type { Secret } from "../core/secret.ts";
import type { Problem, Site } from "../core/site.ts";
import type { ApplyEvent, ApplyReport } from "../remote/events.ts";
import { DEFAULT_ANSWERS, siteCount, type Answers, type Extras, type FieldId } from "./answers.ts";
import type { SshAlias } from "./ssh-aliases.ts";

export type Screen = "sites" | "tunnel" | "gateways" | "connect" | "review" | "apply" | "done";
export type FormScreen = "sites" | "tunnel" | "gateways" | "done";

/** The fields of each form with two sites (the reference), in the order Enter walks through them. */
export const FORMS: Readonly<Record<FormScreen, readonly FieldId[]>> = {
  sites: ["name0", "lan0", "name1", "lan1"],
  tunnel: ["network", "port", "iface0", "iface1", "keepalive", "psk"],
  gateways: ["ssh0", "endpoint0", "ssh1", "endpoint1"],
  done: ["savePath"],
};

export const FORM_SCREENS: readonly FormScreen[] = ["sites", "tunnel", "gateways", "done"];

/**
 * The fields of a form for these answers: with more than two sites, one row per site, and the
 * sites screen ends with the topology and the choice to add or remove a site.
 */
export function formFields(screen: FormScreen, answers: Answers): readonly FieldId[] {
  const count = siteCount(answers);
  if (count <= 2) return FORMS[screen];
  const each = (...fields: readonly ("name" | "lan" | "iface" | "ssh" | "endpoint")[]) =>
    Array.from({ length: count }, (_, i) => fields.map((f): FieldId => `${f}${i}`)).flat();
  switch (screen) {
    case "sites":
      return [...each("name", "lan"), "topology", "more"];
    case "tunnel":
      return ["network", "port", ...each("iface"), "keepalive", "psk"];
    case "gateways":
      return each("ssh", "endpoint");
    case "done":
      return FORMS.done;
  }
}

export const SCREEN_ORDER: readonly Screen[] = ["sites", "tunnel", "gateways", "connect", "review", "apply", "done"];


/** A question a connection asks a person; answered on screen, in order. */
export type Prompt =
  | { readonly id: number; readonly kind: "host-key"; readonly info: UnknownHostInfo & { readonly jumpHost?: string }; readonly knownHostsFile?: string }
  | { readonly id: number; readonly kind: "passphrase"; readonly keyPath: string }
  | { readonly id: number; readonly kind: "sudo"; readonly site: string; readonly target: string };

export type PromptAnswer = boolean | Secret | undefined;

export type GatewayView = {
  readonly phase: "waiting" | "connecting" | "ready";
  readonly target?: string;
  readonly facts?: HostFacts;
};

export type StepLine = {
  readonly id: string;
  readonly title: string;
  readonly status: "pending" | "running" | "changed" | "unchanged" | "failed";
  readonly ms?: number;
  readonly note?: string;
  readonly output?: string;
};

export type CheckLine = { readonly id: string; readonly ok: boolean; readonly detail: string; readonly warning?: true };

export type ApplyView = {
  readonly running: boolean;
  /** One per gateway, in the site file's order. */
  readonly columns: readonly (readonly StepLine[])[];
  readonly checks: readonly (readonly CheckLine[])[];
  readonly report?: ApplyReport;
  /** The first step that failed: where, what it printed. */
  readonly failure?: { readonly site: string; readonly step: string; readonly title: string; readonly output: string };
};

export type SaveView = { readonly status: "asking" | "saving" | "saved"; readonly path?: string; readonly error?: string };

/** Everything the rerun command needs besides the site file. */
export type RunSettings = {
  readonly sshConfig?: string;
  readonly knownHosts?: string;
  readonly identity?: string;
  readonly verifyTimeoutSec: number;
  /** False: a failed run leaves both gateways as they are (--no-rollback). */
  readonly rollback: boolean;
  /** Refresh interval of the live status pane on the last screen. */
  readonly intervalSec: number;
};

export type WizardState = {
  readonly screen: Screen;
  readonly answers: Answers;
  readonly extras: Extras;
  /** Fields the person edited (an untouched endpoint follows its SSH target). */
  readonly touched: readonly FieldId[];
  readonly focus: FieldId;
  /** Choice fields switched to free typing ("other…"). */
  readonly typing: readonly FieldId[];
  /** A choice field whose "other…" entry is highlighted. */
  readonly otherHighlighted?: FieldId;
  readonly aliases: readonly SshAlias[];
  readonly settings: RunSettings;
  /** Counts connection attempts, so results of an abandoned one are ignored. */
  readonly attempt: number;
  readonly site?: Site;
  /** One per site, in the file's order. */
  readonly gateways: readonly GatewayView[];
  readonly connectError?: { readonly message: string; readonly code: number };
  readonly facts?: readonly HostFacts[];
  readonly plan?: Plan;
  readonly blockers: readonly Problem[];
  /** The gateway whose plan the review shows. */
  readonly reviewTab: number;
  /** What the last add or remove of a site did that the person should know (a removed hub). */
  readonly notice?: string;
  readonly prompts: readonly Prompt[];
  readonly apply?: ApplyView;
  readonly save: SaveView;
  readonly quitAsked: boolean;
  /** Set once the wizard is leaving; later quit keys do nothing. */
  readonly exiting: boolean;
};

export type WizardEvent =
  | { readonly type: "edit"; readonly field: FieldId; readonly value: string }
  | { readonly type: "highlight-other"; readonly field: FieldId }
  | { readonly type: "next" }
  | { readonly type: "next-field" }
  | { readonly type: "previous-field" }
  | { readonly type: "back" }
  | { readonly type: "quit" }
  | { readonly type: "quit-answered"; readonly abandon: boolean }
  /** ←/→ on the review: the previous or next gateway (with two, the other one). */
  | { readonly type: "switch-gateway"; readonly by?: -1 | 1 }
  | { readonly type: "confirm-apply" }
  | { readonly type: "retry" }
  | { readonly type: "engine"; readonly attempt: number; readonly event: ApplyEvent }
  | { readonly type: "connected"; readonly attempt: number; readonly facts: readonly HostFacts[]; readonly blockers: readonly Problem[]; readonly runId: string }
  | { readonly type: "connect-failed"; readonly attempt: number; readonly message: string; readonly code: number }
  | { readonly type: "prompt"; readonly prompt: Prompt }
  | { readonly type: "prompt-answered"; readonly id: number; readonly answer: PromptAnswer }
  | { readonly type: "applied"; readonly report: ApplyReport }
  | { readonly type: "saved"; readonly path: string }
  | { readonly type: "save-failed"; readonly message: string };

/** What the reducer asks the runtime to do; results come back as events. */
export type WizardEffect =
  | { readonly type: "connect"; readonly attempt: number; readonly site: Site }
  | { readonly type: "disconnect" }
  | { readonly type: "release" }
  | { readonly type: "apply"; readonly attempt: number; readonly site: Site; readonly plan: Plan }
  | { readonly type: "answer-prompt"; readonly id: number; readonly answer: PromptAnswer }
  | { readonly type: "save"; readonly path: string; readonly text: string }
  /** `watch`: the tunnel is up and the site file saved: the live pane of this site takes over the terminal below the last screen. */
  | { readonly type: "exit"; readonly code: number; readonly message?: string; readonly watch?: Site };

export type Transition = { readonly state: WizardState; readonly effects: readonly WizardEffect[] };

export type InitialInput = {
  readonly answers?: Answers;
  readonly extras?: Extras;
  readonly aliases?: readonly SshAlias[];
  readonly settings: RunSettings;
};

export function initialState(input: InitialInput): WizardState {
  const answers = input.answers ?? DEFAULT_ANSWERS;
  return {
    screen: "sites",
    answers,
    extras: input.extras ?? {},
    // Endpoints that came from a file are the person's choice: they no longer follow the SSH target.
    touched: Array.from({ length: siteCount(answers) }, (_, i): FieldId => `endpoint${i}`).filter((f) => answers[f] !== ""),
    focus: FORMS.sites[0]!,
    typing: [],
    aliases: input.aliases ?? [],
    settings: input.settings,
    attempt: 0,
    gateways: Array.from({ length: siteCount(answers) }, () => ({ phase: "waiting" as const })),
    blockers: [],
    reviewTab: 0,
    prompts: [],
    save: { status: "asking" },
    quitAsked: false,
    exiting: false,
  };
}
