const MASK = "«secret»";

/**
 * A value that must never be printed: every way JavaScript turns it into text shows a mask,
 * so a secret cannot leak through a template string, JSON, console.log or an error message.
 */
export class Secret {
  readonly #value: string;
  readonly #label: string;

  constructor(value: string, label = "secret") {
    this.#value = value;
    this.#label = `«${label}»`;
  }

  /** The only way to the value: call it where the secret goes over the wire, nowhere else. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return this.#label;
  }

  toJSON(): string {
    return this.#label;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#label;
  }
}

/**
 * Replace every occurrence of each secret's value in text (error output from a gateway, say). A short
 * secret is masked too: a 3-letter sudo password shown is still a password shown, even if the mask
 * then eats some harmless letters. Longer secrets go first, so one inside another leaves no tail.
 */
export function redact(text: string, secrets: readonly (Secret | undefined)[]): string {
  let out = text;
  const known = secrets.filter((s): s is Secret => s !== undefined && s.reveal() !== "");
  for (const secret of known.sort((a, b) => b.reveal().length - a.reveal().length)) out = out.split(secret.reveal()).join(secret.toString());
  return out;
}

export { MASK };
