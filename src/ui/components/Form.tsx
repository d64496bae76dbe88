import { Box } from "ink";
import type { FieldId } from "../answers.ts";
import { fieldSpec, isTyping } from "../field-specs.ts";
import { useCommand } from "../hooks/use-command.ts";
import { Command } from "../keys.ts";
import type { WizardEvent, WizardState } from "../state.ts";
import { ChoiceField } from "./ChoiceField.tsx";
import { TextField } from "./TextField.tsx";

export type Props = {
  readonly state: WizardState;
  readonly fields: readonly FieldId[];
  /** Problems by field, from the shared validators. */
  readonly problems: Partial<Record<FieldId, string>>;
  readonly dispatch: (event: WizardEvent) => void;
  /** False while a question is open on top of the form. */
  readonly isActive: boolean;
};

/** The fields of one screen; Enter/Tab walk forward, Shift-Tab/↑ back. */
export function Form({ state, fields, problems, dispatch, isActive }: Props) {
  const typing = isTyping(state, state.focus);
  useCommand(Command.Next, () => dispatch({ type: "next" }), { isActive });
  useCommand(Command.PreviousField, () => dispatch({ type: "previous-field" }), { isActive: isActive && typing });
  useCommand(Command.NextField, () => dispatch({ type: "next-field" }), { isActive: isActive && typing });
  return (
    <Box flexDirection="column">
      {fields.map((field) => {
        const spec = fieldSpec(field, state);
        const focused = isActive && state.focus === field;
        const value = state.answers[field];
        if (spec.choices && !isTyping(state, field)) {
          return (
            <ChoiceField
              key={field}
              label={spec.label}
              value={value}
              {...(spec.display ? { shown: spec.display(value) } : {})}
              {...(spec.hint ? { hint: spec.hint } : {})}
              choices={spec.choices}
              {...(spec.other ? { other: spec.other } : {})}
              focused={focused}
              onHighlight={(v) => dispatch({ type: "edit", field, value: v })}
              onOther={() => dispatch({ type: "highlight-other", field })}
            />
          );
        }
        return (
          <TextField
            key={field}
            label={spec.label}
            value={value}
            {...(spec.hint ? { hint: spec.hint } : {})}
            {...(problems[field] ? { problem: problems[field] } : {})}
            focused={focused}
            onChange={(v) => dispatch({ type: "edit", field, value: v })}
          />
        );
      })}
    </Box>
  );
}
