import type { ServiceScriptFacts } from "../core/init-system.ts";
import { OPENRC_SCRIPT_PATH } from "../core/openrc-service.ts";
import { defineFact } from "./fact.ts";

/** OpenRC's wg-quick script and this interface's symlink to it: shipped by Alpine, absent on Debian. */
export const serviceScript = defineFact({
  id: "service-script",
  command: (ctx) => `[ -e ${OPENRC_SCRIPT_PATH} ] && echo script; [ -L ${OPENRC_SCRIPT_PATH}.${ctx.iface} ] || [ -e ${OPENRC_SCRIPT_PATH}.${ctx.iface} ] && echo link; true`,
  parse: (out): ServiceScriptFacts => {
    const lines = out.split("\n").map((l) => l.trim());
    return { script: lines.includes("script"), link: lines.includes("link") };
  },
});
