import { Text } from "ink";
import { paneLines } from "./pane-lines.ts";
import type { StatusState } from "./state.ts";

export type Props = {
  readonly state: StatusState;
  /** Terminal width: two columns from 78 on, stacked below that. */
  readonly columns: number;
  /** Terminal height: below what the full pane needs, green checks are only counted. */
  readonly rows?: number;
};

/** The pane inside an Ink app (the wizard's last screen): the same lines `wgsite status` draws. */
export function StatusView({ state, columns, rows }: Props) {
  return <Text wrap="truncate-end">{paneLines(state, columns, rows).join("\n")}</Text>;
}
