import type { Hint } from "./components/KeyHints.tsx";
import { siteCount, splitField } from "./answers.ts";
import { isTyping } from "./field-specs.ts";
import { Command } from "./keys.ts";
import type { WizardState } from "./state.ts";

const QUIT: Hint = { command: Command.Quit, does: "quit" };

/** The key hints of the screen shown now. */
export function hintsFor(state: WizardState): readonly Hint[] {
  if (state.quitAsked) return [{ command: Command.Yes, does: "leave" }, { command: Command.No, does: "keep going" }];
  const prompt = state.prompts[0];
  if (prompt?.kind === "host-key") return [{ command: Command.Yes, does: "trust" }, { command: Command.No, does: "refuse" }, QUIT];
  if (prompt) return [{ keys: "Enter", does: "send" }, { command: Command.Back, does: "skip" }, QUIT];
  switch (state.screen) {
    case "sites":
    case "tunnel":
    case "gateways": {
      const list = !isTyping(state, state.focus);
      // `+` in a name or LAN adds a site (it fits neither); shown from the LANs on, and always with more than two sites.
      const field = splitField(state.focus)?.[0];
      const plus = state.screen === "sites" && (field === "name" || field === "lan") && (field === "lan" || siteCount(state.answers) > 2);
      return [
        { command: Command.Next, does: "next" },
        list ? { keys: "↑/↓", does: "choose" } : { command: Command.PreviousField, does: "previous field" },
        ...(plus ? [{ keys: "+", does: "add a site" }] : []),
        ...(state.screen === "sites" ? [] : [{ command: Command.Back, does: "back" }]),
        QUIT,
      ];
    }
    case "connect":
      return [
        ...(state.connectError ? [{ keys: "Enter", does: "try again" }] : state.plan && state.blockers.length === 0 ? [{ keys: "Enter", does: "review the plan" }] : []),
        { command: Command.Back, does: "back to the answers" },
        QUIT,
      ];
    case "review":
      return [
        { keys: "↑/↓ Enter", does: "choose" },
        { command: Command.SwitchGateway, does: (state.plan?.gateways.length ?? 2) > 2 ? "previous/next gateway" : "other gateway" },
        { command: Command.Back, does: "back" },
        QUIT,
      ];
    case "apply":
      if (state.apply?.running) return [{ command: Command.Quit, does: "quit (asks first)" }];
      return [{ keys: "Enter", does: "connect again" }, { command: Command.Back, does: "back to the answers" }, QUIT];
    case "done":
      // Once saved, the live pane takes over below and lists its own keys (q, r, ←/→).
      return state.save.status === "saved" ? [] : [{ keys: "Enter", does: "save" }, QUIT];
  }
}
