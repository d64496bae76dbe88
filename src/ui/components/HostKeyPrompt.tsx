import { Box, Text } from "ink";
import type { UnknownHostInfo } from "../../remote/ssh/host-key.ts";
import { useCommand } from "../hooks/use-command.ts";
import { Command } from "../keys.ts";
import { color } from "../theme.ts";

export type Props = {
  readonly info: UnknownHostInfo & { readonly jumpHost?: string };
  readonly onAnswer: (trust: boolean) => void;
};

/** An unknown host key: its SHA256 fingerprint, and a yes/no on trusting it. */
export function HostKeyPrompt({ info, onAnswer }: Props) {
  useCommand(Command.Yes, () => onAnswer(true));
  useCommand(Command.No, () => onAnswer(false));
  useCommand(Command.Back, () => onAnswer(false));
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={color("warn")} paddingX={1}>
      <Text bold>
        {info.label}: {info.host}:{info.port} is not in your known_hosts{info.jumpHost ? ` (reached via ${info.jumpHost})` : ""}
      </Text>
      <Text>
        {info.keyType} key fingerprint is <Text bold>{info.fingerprint}</Text>
      </Text>
      {info.otherKnownTypes.length > 0 ? <Text color={color("warn")}>known_hosts has a {info.otherKnownTypes.join(", ")} key for it, but the server offered this one</Text> : null}
      <Text color={color("muted")}>Compare it on the gateway with: ssh-keygen -lf /etc/ssh/ssh_host_{info.keyType.replace(/^ssh-|-.*$/g, "")}_key.pub</Text>
      <Text>Trust this key and record it in known_hosts? (y/n)</Text>
    </Box>
  );
}
