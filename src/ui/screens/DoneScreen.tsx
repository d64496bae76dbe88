import { Box, Text } from "ink";
import type { FieldId } from "../answers.ts";
import { ChecksView } from "../components/ChecksView.tsx";
import { Form } from "../components/Form.tsx";
import { rerunCommand, statusCommand } from "../rerun.ts";
import { siteTitle } from "../site-names.ts";
import type { WizardEvent, WizardState } from "../state.ts";
import { color, MARK } from "../theme.ts";

export type Props = {
  readonly state: WizardState;
  readonly problems: Partial<Record<FieldId, string>>;
  readonly dispatch: (event: WizardEvent) => void;
  readonly isActive: boolean;
};

/**
 * Step 6: the verification, then where the site file went and how to rerun. Once it is saved the
 * wizard ends and the live pane of `wgsite status` takes over below this screen (run-wizard.tsx).
 */
export function DoneScreen({ state, problems, dispatch, isActive }: Props) {
  const { site, apply, save } = state;
  const saved = save.status === "saved" && save.path ? save.path : undefined;
  if (!site || !apply) return null;
  const changed = apply.report?.gateways.filter((g) => g.changed).length ?? 0;
  const error = save.error ? { savePath: save.error } : {};
  const warnings = site.sites.flatMap((def, i) => (apply.checks[i] ?? []).filter((c) => c.warning).map((c) => `${def.name}: ${c.id}: ${c.detail}`));
  const many = site.sites.length > 2;
  const what = changed === 0 ? "nothing needed changing" : `${changed} gateway${changed === 1 ? "" : "s"} changed`;
  return (
    <Box flexDirection="column">
      <Text bold color={color("good")}>
        {many ? `${MARK.changed} Tunnels of ${siteTitle(site)}: up and verified (${what}).` : `${MARK.changed} Tunnel ${site.sites[0]!.name} <-> ${site.sites[1]!.name} is up and verified (${what}).`}
      </Text>
      {many ? (
        // One line per gateway: its checks counted (each pair's detail is in the live pane that follows).
        <Box marginTop={1} flexDirection="column">
          {site.sites.map((def, i) => {
            const checks = apply.checks[i] ?? [];
            const passed = checks.filter((c) => c.ok).length;
            if (checks.length === 0) return <Text key={def.name} color={color("muted")}>{`  ${def.name}: no checks reported`}</Text>;
            return (
              <Text key={def.name} wrap="truncate-end">
                <Text color={color(passed === checks.length ? "good" : "warn")}>{passed === checks.length ? MARK.changed : MARK.warning}</Text>
                {` ${def.name}: ${passed} of ${checks.length} checks passed`}
              </Text>
            );
          })}
        </Box>
      ) : (
        <Box marginTop={1}>
          {site.sites.map((def, i) => (
            <ChecksView key={def.name} site={def.name} checks={apply.checks[i]!} />
          ))}
        </Box>
      )}
      {/* The columns cut long lines; a warning's advice is read whole. */}
      {warnings.length > 0 ? (
        <Box marginTop={1} flexDirection="column">
          {warnings.map((w, i) => (
            <Text key={i} color={color("warn")}>{`${MARK.warning} ${w}`}</Text>
          ))}
        </Box>
      ) : null}
      <Box marginTop={1} flexDirection="column">
        {saved ? (
          <>
            <Text>
              Site file saved: <Text bold>{saved}</Text>
            </Text>
            <Text>Rerun without questions (changes nothing when all is in place):</Text>
            <Text bold>{`  ${rerunCommand(saved, state.settings)}`}</Text>
            <Box marginTop={1}>
              <Text color={color("muted")}>{`Watch the tunnel live with: ${statusCommand(saved, state.settings)}`}</Text>
            </Box>
          </>
        ) : (
          <Form state={state} fields={["savePath"]} problems={{ ...problems, ...error }} dispatch={dispatch} isActive={isActive && save.status === "asking"} />
        )}
      </Box>
    </Box>
  );
}
