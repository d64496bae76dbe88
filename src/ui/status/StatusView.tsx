import { Box, Text } from "ink";
import { overallStatus, summaryLine } from "../../status/report.ts";
import { color } from "../theme.ts";
import { GatewayColumn } from "./GatewayColumn.tsx";
import { HintList } from "./HintList.tsx";
import { STATUS_KEY_LABELS, StatusCommand } from "./keys.ts";
import { gatewayViews, type StatusState } from "./state.ts";
import { statusColor } from "./tone.ts";

export type Props = {
  readonly state: StatusState;
  /** Terminal width: two columns from 78 on, stacked below that. */
  readonly columns: number;
  /** Terminal height: below what the full pane needs, green checks are only counted. */
  readonly rows?: number;
};

/** Side by side needs two columns of at least 39 characters. */
export const SIDE_BY_SIDE_MIN = 78;

/** Rows the full side-by-side pane takes with a few fixes listed. */
const FULL_ROWS = 36;

/** The whole pane as a function of its state: summary, both gateways, the focused one's fixes, keys. */
export function StatusView({ state, columns, rows }: Props) {
  const views = gatewayViews(state);
  const wide = columns >= SIDE_BY_SIDE_MIN;
  const compact = rows !== undefined && rows < (wide ? FULL_ROWS : 2 * FULL_ROWS - 10);
  const width = wide ? Math.min(60, Math.floor(columns / 2)) : Math.min(columns, 60);
  const waiting = state.gateways.every((g) => g.link.kind === "connecting");
  const focusName = state.site.sites[state.focus].name;
  return (
    <Box flexDirection="column" width={wide ? width * 2 : width}>
      <Text bold color={waiting ? color("muted") : statusColor(overallStatus(views))}>
        {waiting ? "probing both gateways…" : summaryLine(state.site, views)}
      </Text>
      <Box flexDirection={wide ? "row" : "column"}>
        {([0, 1] as const).map((i) => (
          <GatewayColumn key={i} site={state.site} index={i} pane={state.gateways[i]} peerPane={state.gateways[i === 0 ? 1 : 0]} focused={state.focus === i} width={width} compact={compact} />
        ))}
      </Box>
      <HintList name={focusName} pane={state.gateways[state.focus]} otherName={state.site.sites[state.focus === 0 ? 1 : 0].name} otherPane={state.gateways[state.focus === 0 ? 1 : 0]} />
      <Box marginTop={1}>
        <Text color={color("muted")}>
          {`${STATUS_KEY_LABELS[StatusCommand.Quit]} quit  ·  ${STATUS_KEY_LABELS[StatusCommand.Refresh]} refresh now  ·  ${STATUS_KEY_LABELS[StatusCommand.NextGateway]} other gateway's fixes`}
        </Text>
      </Box>
    </Box>
  );
}
