import { Box, Text } from "ink";
import type { Screen } from "../state.ts";
import { color } from "../theme.ts";

export type Props = {
  /** The screen shown now; earlier ones read as done. */
  readonly screen: Screen;
};

const STEPS: readonly { readonly title: string; readonly screens: readonly Screen[] }[] = [
  { title: "Sites", screens: ["sites"] },
  { title: "Tunnel", screens: ["tunnel"] },
  { title: "Gateways", screens: ["gateways", "connect"] },
  { title: "Review", screens: ["review"] },
  { title: "Apply", screens: ["apply"] },
  { title: "Done", screens: ["done"] },
];

/** The six steps from nothing to a running tunnel, with the current one in brackets. */
export function Header({ screen }: Props) {
  const at = STEPS.findIndex((s) => s.screens.includes(screen));
  return (
    <Box marginBottom={1}>
      <Text bold color={color("accent")}>
        wgsite{"  "}
      </Text>
      {STEPS.map((s, i) => (
        <Text key={s.title} bold={i === at} color={i === at ? color("accent") : i < at ? undefined : color("muted")}>
          {i === at ? `[${i + 1} ${s.title}]` : `${i + 1} ${s.title}`}
          {i < STEPS.length - 1 ? "  " : ""}
        </Text>
      ))}
    </Box>
  );
}
