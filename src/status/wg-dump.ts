/** One peer of `wg show <if> dump`, without its preshared key: only whether one is set. */
export type WgPeer = {
  readonly publicKey: string;
  readonly presharedKey: boolean;
  /** `host:port` (IPv6 as `[addr]:port`), or undefined when the dump says "(none)". */
  readonly endpoint?: string;
  readonly allowedIps: readonly string[];
  /** Seconds since the epoch on the gateway's clock; 0 = never. */
  readonly latestHandshake: number;
  readonly rxBytes: number;
  readonly txBytes: number;
  /** Seconds; undefined when off. */
  readonly keepalive?: number;
};

/** The interface line of the dump, minus its private key (never kept, never printed). */
export type WgDump = {
  readonly publicKey: string;
  readonly listenPort: number;
  readonly fwmark?: string;
  readonly peers: readonly WgPeer[];
};

const int = (text: string | undefined): number => (text && /^\d+$/.test(text) ? Number(text) : 0);

/**
 * Parses `wg show <if> dump`: a tab-separated interface line (private key, public key, port, fwmark),
 * then one line per peer (public key, preshared key, endpoint, allowed ips, handshake, rx, tx,
 * keepalive). The first field of the interface line and every preshared key are dropped here.
 */
export function parseWgDump(text: string): WgDump | undefined {
  const lines = text.split("\n").filter((l) => l.includes("\t"));
  const head = lines[0]?.split("\t");
  if (!head || head.length < 4) return undefined;
  const [, publicKey, port, fwmark] = head;
  const peers = lines.slice(1).flatMap((line): WgPeer[] => {
    const f = line.split("\t");
    if (f.length < 8) return [];
    const [key, psk, endpoint, allowed, handshake, rx, tx, keepalive] = f;
    return [
      {
        publicKey: key!,
        presharedKey: psk !== "(none)",
        ...(endpoint && endpoint !== "(none)" ? { endpoint } : {}),
        allowedIps: allowed && allowed !== "(none)" ? allowed.split(",") : [],
        latestHandshake: int(handshake),
        rxBytes: int(rx),
        txBytes: int(tx),
        ...(keepalive && keepalive !== "off" ? { keepalive: int(keepalive) } : {}),
      },
    ];
  });
  return { publicKey: publicKey!, listenPort: int(port), ...(fwmark && fwmark !== "off" ? { fwmark } : {}), peers };
}

/**
 * The gateway-side filter the status probe pipes the dump through, so neither the private key nor a
 * preshared key ever crosses the wire: the parser drops them too, this keeps them off the network.
 */
export const DUMP_REDACT = `awk -F'\\t' 'BEGIN{OFS="\\t"} NR==1{$1="(hidden)"} NR>1 && $2!="(none)"{$2="(hidden)"} {print}'`;
