import { render } from "ink-testing-library";
import { App } from "../../../src/ui/App.tsx";
import type { WizardExit } from "../../../src/ui/hooks/use-wizard.ts";
import type { WizardState } from "../../../src/ui/state.ts";
import { fakeServices, type FakeServices } from "./fake-services.ts";

/** The whole wizard on a fake terminal, over fake services. */
export function renderWizard(initial: WizardState, services: FakeServices = fakeServices()) {
  const exits: WizardExit[] = [];
  const r = render(<App initial={initial} services={services} onExit={(exit) => exits.push(exit)} />);
  return { r, services, exits };
}

/** Gives the fake terminal a height (ink-testing-library's has none) and tells the app, as a resize does. */
export function resizeTerminal(r: ReturnType<typeof render>, rows: number): void {
  Object.defineProperty(r.stdout, "rows", { value: rows, configurable: true, writable: true });
  r.stdout.emit("resize");
}
