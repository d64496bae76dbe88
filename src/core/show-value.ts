/**
 * How a value from a site file (or a gateway) appears inside a message: one escape for every field and
 * key, so a hostile value can neither move the cursor, forge a line of the report, nor flood the
 * terminal. Values are cut to a length a person can read.
 */
export const MAX_SHOWN = 60;

/** Characters a terminal acts on or hides: C0, DEL, C1, line/paragraph separators, bidi and zero-width marks, BOM. */
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\u001b": "\\e" };

/** Escapes what a terminal would act on; leaves other text as it is (idempotent on its own output). */
export function escapeControls(text: string): string {
  return text.replace(HIDDEN, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function cut(text: string, max: number): { text: string; more: string } {
  const chars = Array.from(text);
  if (chars.length <= max) return { text, more: "" };
  return { text: chars.slice(0, max).join(""), more: `… (${chars.length} characters)` };
}

/** Always quoted: `"beta\n[Interface]"`, cut after `max` characters. */
export function quoted(value: string, max = MAX_SHOWN): string {
  const { text, more } = cut(value, max);
  return `"${escapeControls(text.replace(/\\/g, "\\\\").replace(/"/g, '\\"'))}"${more}`;
}

/** Letters that read the same bare: addresses, names, numbers. Anything else is quoted. */
const PLAIN = /^[A-Za-z0-9_.:/@[\]+=%-]+$/;

/** A value in a message: bare when it is plain (`10.10.11.5/24`), quoted and escaped otherwise. */
export function shown(value: unknown, max = MAX_SHOWN): string {
  if (typeof value === "string") return PLAIN.test(value) && value.length <= max ? value : quoted(value, max);
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "a list";
  return "a mapping";
}

/** A key inside a field path: `sites.alpha`, or `sites."be ta"` for a key that is not an identifier. */
export function shownKey(key: string, max = MAX_SHOWN): string {
  return /^[A-Za-z0-9_-]+$/.test(key) && key.length <= max ? key : quoted(key, max);
}
