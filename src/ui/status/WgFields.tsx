import { Box, Text } from "ink";
import type { SiteDef } from "../../core/site.ts";
import { findPeer, handshakeAge } from "../../status/checks.ts";
import { formatAge, formatBytes, formatRate, shortKey } from "../../status/format.ts";
import type { StatusSample } from "../../status/sample.ts";
import { color } from "../theme.ts";
import { sparkline } from "./sparkline.ts";

export type Props = {
  readonly sample: StatusSample;
  /** The other gateway's sample: its own key tells which peer entry is the site's. */
  readonly peerSample?: StatusSample;
  readonly remote: SiteDef;
  readonly iface: string;
  readonly rates: { readonly rx: readonly number[]; readonly tx: readonly number[] };
  readonly stale: boolean;
};

const SPARK = 8;

function Field({ label, children, stale }: { readonly label: string; readonly children: string; readonly stale: boolean }) {
  return (
    <Text wrap="truncate-end" dimColor={stale}>
      <Text color={color("muted")}>{label.padEnd(5)}</Text>
      {children}
    </Text>
  );
}

function transfer(total: number, rates: readonly number[]): string {
  const now = rates.length > 0 ? formatRate(rates[rates.length - 1]!) : "";
  return `${formatBytes(total).padEnd(9)}${now.padEnd(11)}${rates.length > 1 ? sparkline(rates, SPARK) : ""}`;
}

/** The `wg show dump` view of one gateway: keys, endpoint, handshake age, transfer with its rate. */
export function WgFields({ sample, peerSample, remote, iface, rates, stale }: Props) {
  const wg = sample.wg;
  if (!wg) return <Text color={color("bad")}>no WireGuard interface {iface}</Text>;
  const peer = findPeer(wg, peerSample?.wg?.publicKey, remote.lan.map((l) => l.text));
  return (
    <Box flexDirection="column">
      <Field label="key" stale={stale}>{`${shortKey(wg.publicKey)}  port ${wg.listenPort}`}</Field>
      {peer ? (
        <>
          <Field label="peer" stale={stale}>{`${shortKey(peer.publicKey)}  psk ${peer.presharedKey ? "yes" : "no"}`}</Field>
          <Field label="endp" stale={stale}>{peer.endpoint ?? "(none)"}</Field>
          <Field label="ips" stale={stale}>{peer.allowedIps.join(",") || "(none)"}</Field>
          <Field label="hs" stale={stale}>{`${formatAge(handshakeAge(sample, peer))}  keepalive ${peer.keepalive ? `${peer.keepalive} s` : "off"}`}</Field>
          <Field label="rx" stale={stale}>{transfer(peer.rxBytes, rates.rx)}</Field>
          <Field label="tx" stale={stale}>{transfer(peer.txBytes, rates.tx)}</Field>
        </>
      ) : (
        <Text color={color("bad")}>no peer</Text>
      )}
    </Box>
  );
}
