import { useApp, useInput, useWindowSize } from "ink";
import { StatusCommand, statusCommandOf } from "./keys.ts";
import { StatusView } from "./StatusView.tsx";
import { useStatusProbes, type ProbeSettings, type Sessions } from "./use-status-probes.ts";

export type Props = ProbeSettings & {
  /** Width to lay out for; defaults to the terminal's. */
  readonly columns?: number;
  /** Height to fit in; defaults to the terminal's. */
  readonly rows?: number;
  /** Called on q with the sessions in use (a reconnect replaces one): the caller closes them. Default: exit the Ink app. */
  readonly onQuit?: (sessions: Sessions) => void;
  /** Whether the pane listens to keys (false while something else on screen has them). */
  readonly isActive?: boolean;
};

/**
 * The live status of both gateways, refreshed every interval over the sessions it is given: the
 * `wgsite status` screen and the wizard's last screen.
 */
export function StatusPane(props: Props) {
  const probes = useStatusProbes(props);
  const { exit } = useApp();
  const size = useWindowSize();
  useInput(
    (input, key) => {
      const command = statusCommandOf(input, key);
      if (command === StatusCommand.Quit) {
        if (props.onQuit) props.onQuit(probes.sessions());
        else exit();
      } else if (command === StatusCommand.Refresh) {
        probes.refresh();
      } else if (command === StatusCommand.NextGateway || command === StatusCommand.PreviousGateway) {
        probes.dispatch({ type: "focus", to: command === StatusCommand.NextGateway ? "next" : "previous" });
      }
    },
    { isActive: props.isActive ?? true },
  );
  return <StatusView state={probes.state} columns={props.columns ?? size.columns} rows={props.rows ?? size.rows} />;
}
