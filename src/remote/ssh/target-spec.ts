export type TargetSpec = { readonly user?: string; readonly host: string; readonly port?: number };

/**
 * Parses `[user@]host[:port]`, `[v6addr]:port`, a bare IPv6 address, or an
 * `ssh://` URI (allowed in ProxyJump).
 */
export function parseTargetSpec(spec: string): TargetSpec {
  let rest = spec.trim().replace(/^ssh:\/\//, "").replace(/\/$/, "");
  if (rest === "") throw new Error("empty SSH target");
  let user: string | undefined;
  // Users may contain '@' (e.g. AD accounts); OpenSSH splits on the last one too.
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === "") throw new Error(`SSH target "${spec}" has an empty user before @`);
  }
  let host = rest;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if (rest.indexOf(":") === rest.lastIndexOf(":") && rest.includes(":")) {
    // Exactly one colon is host:port; more than one is an unbracketed IPv6 address.
    [host, portText] = rest.split(":") as [string, string];
  }
  if (host === "") throw new Error(`SSH target "${spec}" has no host`);
  return { user, host, port: portText === undefined ? undefined : parsePort(portText, spec) };
}

export function parsePort(text: string, spec: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new Error(`SSH target "${spec}" has an invalid port "${text}"`);
  }
  return port;
}
