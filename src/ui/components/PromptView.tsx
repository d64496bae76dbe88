import type { Prompt, PromptAnswer } from "../state.ts";
import { HostKeyPrompt } from "./HostKeyPrompt.tsx";
import { SecretPrompt } from "./SecretPrompt.tsx";

export type Props = {
  readonly prompt: Prompt;
  readonly onAnswer: (id: number, answer: PromptAnswer) => void;
};

/** The question a connection is waiting on, drawn over the screen. */
export function PromptView({ prompt, onAnswer }: Props) {
  switch (prompt.kind) {
    case "host-key":
      return <HostKeyPrompt key={prompt.id} info={prompt.info} onAnswer={(trust) => onAnswer(prompt.id, trust)} />;
    case "passphrase":
      return (
        <SecretPrompt
          key={prompt.id}
          question={`The key ${prompt.keyPath} is encrypted`}
          why="Its passphrase unlocks it for this run only (Esc: skip this key)."
          label="passphrase"
          onAnswer={(secret) => onAnswer(prompt.id, secret)}
        />
      );
    case "sudo":
      return (
        <SecretPrompt
          key={prompt.id}
          question={`sudo on ${prompt.site} (${prompt.target}) asks for a password`}
          why="It is sent to sudo on the gateway only, never shown or saved (Esc: do not give one)."
          label="sudo password"
          onAnswer={(secret) => onAnswer(prompt.id, secret)}
        />
      );
  }
}
