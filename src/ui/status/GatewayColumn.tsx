import { Box, Text } from "ink";
import type { Site } from "../../core/site.ts";
import { color } from "../theme.ts";
import { CheckRow } from "./CheckRow.tsx";
import type { GatewayPane } from "./state.ts";
import { WgFields } from "./WgFields.tsx";

export type Props = {
  readonly site: Site;
  readonly index: 0 | 1;
  readonly pane: GatewayPane;
  readonly peerPane: GatewayPane;
  readonly focused: boolean;
  /** Outer width, border included. */
  readonly width: number;
  /** A short terminal: only the checks that are not green are listed, the green ones counted. */
  readonly compact: boolean;
};

function LinkState({ pane }: { readonly pane: GatewayPane }) {
  const link = pane.link;
  if (link.kind === "connecting") return <Text color={color("muted")}>connecting…</Text>;
  if (link.kind === "reconnecting") return <Text color={color("warn")}>{`reconnecting #${link.attempt}, ${link.retryInSec} s`}</Text>;
  return <Text color={color(link.heavy ? "accent" : "good")}>{link.heavy ? "◌ full probe" : "● live"}</Text>;
}

/** One gateway: its link state, WireGuard fields and checks, in a bordered column. */
export function GatewayColumn({ site, index, pane, peerPane, focused, width, compact }: Props) {
  const def = site.sites[index];
  const remote = site.sites[index === 0 ? 1 : 0];
  const stale = pane.link.kind === "reconnecting";
  const titleWidth = Math.max(0, ...pane.checks.map((c) => c.title.length));
  const shown = compact ? pane.checks.filter((c) => c.status !== "green") : pane.checks;
  const hidden = pane.checks.length - shown.length;
  return (
    <Box flexDirection="column" width={width} borderStyle="round" borderColor={color(focused ? "accent" : "muted")} paddingX={1}>
      <Box justifyContent="space-between">
        <Text wrap="truncate-end">
          <Text bold>{def.name}</Text> {def.interface}
        </Text>
        <LinkState pane={pane} />
      </Box>
      {pane.sample ? <WgFields sample={pane.sample} peerSample={peerPane.sample} remote={remote} iface={def.interface} rates={pane.rates} stale={stale} /> : null}
      {pane.checks.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          {shown.map((c) => (
            <CheckRow key={c.id} check={c} titleWidth={titleWidth} stale={stale} />
          ))}
          {hidden > 0 ? <Text color={color("good")} dimColor={stale}>{`✔ ${hidden} more check${hidden === 1 ? "" : "s"} green`}</Text> : null}
        </Box>
      ) : null}
    </Box>
  );
}
