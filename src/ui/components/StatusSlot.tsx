import { Box, Text } from "ink";
import type { Site } from "../../core/site.ts";
import type { WizardServices } from "../services.ts";
import { StatusPane } from "../status/StatusPane.tsx";
import { color } from "../theme.ts";

export type Props = {
  readonly site: Site;
  readonly services: WizardServices;
  readonly intervalSec: number;
  /** The status command with this run's settings, shown when there is no connection to watch over. */
  readonly statusCommand: string;
  /** Called on the pane's quit key, after the sessions it ended with were handed back. */
  readonly onQuit: () => void;
  readonly isActive: boolean;
};

/** The live status pane over the wizard's own connections (the locks already freed). */
export function StatusSlot({ site, services, intervalSec, statusCommand, onQuit, isActive }: Props) {
  const live = services.live();
  if (!live) {
    return (
      <Box marginTop={1}>
        <Text color={color("muted")}>Watch the tunnel live with: {statusCommand}</Text>
      </Box>
    );
  }
  return (
    <Box marginTop={1} flexDirection="column">
      <StatusPane
        site={site}
        sessions={live.sessions}
        reconnect={live.reconnect}
        intervalSec={intervalSec}
        isActive={isActive}
        onQuit={(now) => {
          services.adopt(now);
          onQuit();
        }}
      />
    </Box>
  );
}
