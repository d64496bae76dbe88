import { Box, Text } from "ink";
import TextInput from "ink-text-input";
import { useState } from "react";
import { Secret } from "../../core/secret.ts";
import { useCommand } from "../hooks/use-command.ts";
import { Command } from "../keys.ts";
import { color } from "../theme.ts";

export type Props = {
  /** What is asked, e.g. "sudo password for ops@192.0.2.2 (beta)". */
  readonly question: string;
  readonly why: string;
  readonly label: string;
  /** Undefined when the person declines (Esc). */
  readonly onAnswer: (secret: Secret | undefined) => void;
};

/**
 * A masked input: the typed text never reaches the screen, the state or a log.
 * An empty Enter is a slip, not an answer: it is named and asked again (Esc declines).
 */
export function SecretPrompt({ question, why, label, onAnswer }: Props) {
  const [value, setValue] = useState("");
  const [emptyEnter, setEmptyEnter] = useState(false);
  useCommand(Command.Back, () => onAnswer(undefined));
  const change = (v: string) => {
    setValue(v);
    if (v !== "") setEmptyEnter(false);
  };
  const submit = (v: string) => {
    if (v === "") setEmptyEnter(true);
    else onAnswer(new Secret(v, label));
  };
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={color("warn")} paddingX={1}>
      <Text bold>{question}</Text>
      <Text color={color("muted")}>{why}</Text>
      <Box>
        <Text>{label}: </Text>
        <TextInput value={value} onChange={change} mask="*" onSubmit={submit} />
      </Box>
      {emptyEnter ? <Text color={color("warn")}>The {label} is empty: type it and press Enter, or press Esc to skip.</Text> : null}
    </Box>
  );
}
