/** Colors and marks in one place; NO_COLOR (any non-empty value) turns every color off. */
const noColor = (): boolean => (process.env.NO_COLOR ?? "") !== "";

export type Tone = "accent" | "good" | "bad" | "warn" | "muted" | "added" | "removed";

const COLORS: Record<Tone, string> = {
  accent: "cyan",
  good: "green",
  bad: "red",
  warn: "yellow",
  muted: "gray",
  added: "green",
  removed: "red",
};

/** The color for a tone, or undefined under NO_COLOR (Ink then prints plain text). */
export function color(tone: Tone): string | undefined {
  return noColor() ? undefined : COLORS[tone];
}

export const MARK = {
  changed: "✔",
  unchanged: "–",
  failed: "✖",
  pending: "·",
  problem: "✖",
  warning: "!",
  focus: "›",
} as const;

/** Milliseconds as a person reads them: 850ms, 2.4s, 1m05s. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}
