/**
 * What a new wg-quick config changes on a running interface. Peers (keys, endpoints, keepalive,
 * allowed IPs) and preshared keys can be set live; anything else in [Interface] (address, port,
 * MTU, PostUp/PreDown hooks) only takes effect when the interface comes up, and its old PreDown
 * lines must run with the config that brought it up.
 */
export type ConfigChange = "none" | "peers" | "interface";

/**
 * PostUp lines that set a peer's preshared key are peer settings, applied live. The key may still be
 * the plan's placeholder for a key the executor binds ("<beta public key>", with spaces): a rotation.
 */
const PSK_HOOK = /^PostUp = wg set %i peer (\S+|<[^>]+>) preshared-key /;

function sections(text: string): { iface: string[]; peers: string[] } {
  const iface: string[] = [];
  const peers: string[] = [];
  let inPeers = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (/^\[peer\]$/i.test(line)) inPeers = true;
    else if (/^\[interface\]$/i.test(line)) inPeers = false;
    if (inPeers || PSK_HOOK.test(line)) peers.push(line);
    else iface.push(line);
  }
  return { iface, peers };
}

export function configChange(before: string | undefined | null, after: string): ConfigChange {
  if (before === after) return "none";
  if (before === undefined || before === null) return "interface";
  const a = sections(before);
  const b = sections(after);
  if (a.iface.join("\n") !== b.iface.join("\n")) return "interface";
  return a.peers.join("\n") === b.peers.join("\n") ? "none" : "peers";
}
