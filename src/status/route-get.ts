/** What `ip route get <address>` answered: the device and gateway the kernel would use. */
export type RouteGet =
  | { readonly ok: true; readonly dev: string; readonly via?: string; readonly src?: string; readonly type?: string }
  | { readonly ok: false; readonly error: string };

/** Parses the first line of `ip route get`, e.g. `10.10.11.1 dev wgA src 10.10.9.0 uid 0`. */
export function parseRouteGet(text: string): RouteGet {
  const line = text.split("\n").find((l) => l.trim() !== "")?.trim() ?? "";
  const dev = /\bdev (\S+)/.exec(line)?.[1];
  if (!dev) return { ok: false, error: line.replace(/^RTNETLINK answers:\s*/, "") || "no answer" };
  const via = /\bvia (\S+)/.exec(line)?.[1];
  const src = /\bsrc (\S+)/.exec(line)?.[1];
  const type = /^(unreachable|prohibit|blackhole|local|broadcast|multicast)\b/.exec(line)?.[1];
  return { ok: true, dev, ...(via ? { via } : {}), ...(src ? { src } : {}), ...(type ? { type } : {}) };
}
