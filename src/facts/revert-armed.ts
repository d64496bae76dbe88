import { revertUnit } from "../core/rollback.ts";
import { defineFact } from "./fact.ts";

/** A commit-confirm timer left armed by a run that lost its session: a verified run disarms it. */
export const revertArmed = defineFact({
  id: "revert-armed",
  command: (ctx) => `systemctl is-active -q ${revertUnit(ctx.iface)}.timer 2>/dev/null && echo armed; [ -s /run/wgsite/${revertUnit(ctx.iface)}.pid ] && echo armed`,
  parse: (out) => out.includes("armed"),
});
