import { Box } from "ink";
import { fieldProblems } from "./answers.ts";
import { Header } from "./components/Header.tsx";
import { KeyHints, type Hint } from "./components/KeyHints.tsx";
import { PromptView } from "./components/PromptView.tsx";
import { QuitConfirm } from "./components/QuitConfirm.tsx";
import { Viewport } from "./components/Viewport.tsx";
import { useCommand } from "./hooks/use-command.ts";
import { useMeasuredHeight } from "./hooks/use-measured-height.ts";
import { useTerminalRows } from "./hooks/use-terminal-rows.ts";
import { useWizard, type WizardExit } from "./hooks/use-wizard.ts";
import { Command } from "./keys.ts";
import { ApplyScreen } from "./screens/ApplyScreen.tsx";
import { ConnectScreen } from "./screens/ConnectScreen.tsx";
import { DoneScreen } from "./screens/DoneScreen.tsx";
import { GatewaysScreen } from "./screens/GatewaysScreen.tsx";
import { ReviewScreen } from "./screens/ReviewScreen.tsx";
import { SitesScreen } from "./screens/SitesScreen.tsx";
import { TunnelScreen } from "./screens/TunnelScreen.tsx";
import type { WizardServices } from "./services.ts";
import { hintsFor } from "./hints.ts";
import type { WizardState } from "./state.ts";

export type Props = {
  readonly initial: WizardState;
  readonly services: WizardServices;
  /** Told the exit code (and a last line) just before the app unmounts. */
  readonly onExit: (exit: WizardExit) => void;
};

/**
 * The wizard: a header, the current screen, a question on top when one is open, the key hints. On a
 * terminal shorter than all of it, the screen scrolls and the rest stays in view.
 */
export function App({ initial, services, onExit }: Props) {
  const [state, dispatch] = useWizard(initial, services, onExit);
  const terminalRows = useTerminalRows();
  // The header and one line of key hints below a blank line, until measured.
  const [header, headerRows] = useMeasuredHeight(2);
  const [bottom, bottomRows] = useMeasuredHeight(2);
  // One row short of the terminal: Ink redraws a frame as tall as the terminal by clearing it.
  const screenRows = terminalRows === undefined ? undefined : Math.max(3, terminalRows - 1 - headerRows - bottomRows);
  const prompt = state.prompts[0];
  const overlay = prompt !== undefined || state.quitAsked;
  const isActive = !overlay;
  useCommand(Command.Quit, () => dispatch({ type: "quit" }));
  useCommand(Command.Back, () => dispatch({ type: "back" }), { isActive });
  const problems = fieldProblems(state.answers, state.extras);
  const screenProps = { state, dispatch, isActive };
  const hints: readonly Hint[] = hintsFor(state);
  return (
    <Box flexDirection="column">
      <Box ref={header} flexShrink={0}>
        <Header screen={state.screen} />
      </Box>
      {/* The review keeps its choices in view and scrolls the plan itself; other screens scroll whole, newest last. */}
      {state.screen === "review" ? (
        <ReviewScreen {...screenProps} rows={screenRows} />
      ) : (
        <Viewport rows={screenRows} anchor="bottom" resetKey={state.screen} isActive={isActive}>
          {state.screen === "sites" ? <SitesScreen {...screenProps} problems={problems} /> : null}
          {state.screen === "tunnel" ? <TunnelScreen {...screenProps} problems={problems} /> : null}
          {state.screen === "gateways" ? <GatewaysScreen {...screenProps} problems={problems} /> : null}
          {state.screen === "connect" ? <ConnectScreen {...screenProps} /> : null}
          {state.screen === "apply" ? <ApplyScreen {...screenProps} /> : null}
          {state.screen === "done" ? <DoneScreen {...screenProps} problems={problems} /> : null}
        </Viewport>
      )}
      <Box ref={bottom} flexDirection="column" flexShrink={0}>
        {prompt ? <PromptView prompt={prompt} onAnswer={(id, answer) => dispatch({ type: "prompt-answered", id, answer })} /> : null}
        {state.quitAsked ? <QuitConfirm onAnswer={(abandon) => dispatch({ type: "quit-answered", abandon })} /> : null}
        <KeyHints hints={hints} />
      </Box>
    </Box>
  );
}
