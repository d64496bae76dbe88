import { defineFact } from "./fact.ts";

export const unitState = defineFact({
  id: "unit",
  command: (ctx) =>
    `if [ -d /run/systemd/system ]; then systemctl is-enabled wg-quick@${ctx.iface} 2>/dev/null; systemctl is-active wg-quick@${ctx.iface} 2>/dev/null; ` +
    `else rc-update show default 2>/dev/null | grep -q "wg-quick.${ctx.iface} " && echo enabled || echo disabled; rc-service wg-quick.${ctx.iface} status >/dev/null 2>&1 && echo active || echo inactive; fi`,
  parse: (out) => {
    const [enabled, active] = out.trim().split("\n").map((l) => l.trim());
    return { enabled: enabled === "enabled", active: active === "active" };
  },
});
