import { Box, Text } from "ink";
import Spinner from "ink-spinner";
import type { HostFacts } from "../../core/host-facts.ts";
import type { GatewayView } from "../state.ts";
import { color, MARK } from "../theme.ts";

export type Props = {
  readonly name: string;
  readonly ssh: string;
  readonly iface: string;
  readonly gateway: GatewayView;
  /** One line per gateway (more than two of them on the screen). */
  readonly compact?: boolean;
};

function wireguard(f: HostFacts): string {
  const engine = f.kernelWireguard ? "the kernel module" : "wireguard-go, as the kernel has no WireGuard module";
  if (f.installed.wg && f.installed.wgQuick) return `installed; runs on ${engine}`;
  return `not installed; wgsite installs it, to run on ${engine}`;
}

const SUDO: Record<HostFacts["privilege"], string> = {
  root: "logged in as root",
  "sudo-nopasswd": "sudo without a password",
  "sudo-password": "sudo with a password",
};

function existing(f: HostFacts, iface: string): string {
  if (f.existingConfig === undefined) return `none at /etc/wireguard/${iface}.conf`;
  const lines = f.existingConfig.trimEnd().split("\n").length;
  const ours = f.existingConfig.includes("managed by wgsite") ? "written by wgsite" : "not wgsite's; a backup is kept when replaced";
  return `/etc/wireguard/${iface}.conf, ${lines} lines, ${ours}`;
}

/** One gateway on the connect screen: a spinner while connecting, then what was found there. */
export function FactsView({ name, ssh, iface, gateway, compact = false }: Props) {
  const f = gateway.facts;
  // Many gateways: one line each (the OS, the init system, WireGuard, privileges), cut at the terminal's width.
  if (compact) {
    return (
      <Box>
        <Box width={2} flexShrink={0}>{f ? <Text color={color("good")}>{MARK.changed}</Text> : gateway.phase === "connecting" ? <Spinner /> : <Text>{MARK.pending}</Text>}</Box>
        <Text wrap="truncate-end">
          <Text bold>{name}</Text>
          <Text color={color("muted")}> via {ssh}</Text>
          {f ? `  ${f.os.prettyName || f.os.id} · ${f.init} · WireGuard ${f.installed.wg && f.installed.wgQuick ? "installed" : "to install"} · ${SUDO[f.privilege]}` : gateway.phase === "connecting" ? "  connecting, gathering facts…" : "  waiting"}
        </Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Box>
        <Box width={2}>{f ? <Text color={color("good")}>{MARK.changed}</Text> : gateway.phase === "connecting" ? <Spinner /> : <Text>{MARK.pending}</Text>}</Box>
        <Text bold>{name}</Text>
        <Text color={color("muted")}> via {ssh}</Text>
        <Text>{f ? "" : gateway.phase === "connecting" ? "  connecting, gathering facts…" : "  waiting"}</Text>
      </Box>
      {f ? (
        <Box flexDirection="column" marginLeft={2}>
          <Text>OS          {f.os.prettyName || f.os.id}</Text>
          <Text>init        {f.init}</Text>
          <Text>WireGuard   {wireguard(f)}</Text>
          <Text>privileges  {SUDO[f.privilege]}</Text>
          <Text>existing    {existing(f, iface)}</Text>
        </Box>
      ) : null}
    </Box>
  );
}
