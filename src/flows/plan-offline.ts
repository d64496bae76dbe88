import { planToJson, planToText } from "../core/format-plan.ts";
import { plan } from "../core/plan.ts";
import type { Options } from "../args.ts";
import { readSite } from "./read-site.ts";

export async function planOffline(options: Options): Promise<number> {
  const site = await readSite(options.config!);
  const result = plan({ site });
  process.stdout.write(options.json ? `${JSON.stringify(planToJson(result), null, 2)}\n` : planToText(result));
  return 0;
}
