import type { CheckStatus } from "../../status/checks.ts";
import { color } from "../theme.ts";

/** A check status as a theme color (undefined under NO_COLOR). */
export function statusColor(status: CheckStatus): string | undefined {
  return color(status === "green" ? "good" : status === "yellow" ? "warn" : "bad");
}
