import { useInput } from "ink";
import { matches, type Command } from "../keys.ts";

/** Runs `handler` when a key that means `command` is pressed, while `isActive`. */
export function useCommand(command: Command, handler: () => void, options: { readonly isActive?: boolean } = {}): void {
  useInput(
    (input, key) => {
      if (matches(command, input, key)) handler();
    },
    { isActive: options.isActive ?? true },
  );
}
