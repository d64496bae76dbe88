/**
 * Quotes one word for a POSIX shell. Single quotes make every byte literal;
 * an embedded quote is closed, escaped and reopened (`'\''`).
 */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
