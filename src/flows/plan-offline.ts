import { planToJson, planToText } from "../core/format-plan.ts";
import { ExitCode, ExitError } from "../core/exit-codes.ts";
import { plan } from "../core/plan.ts";
import type { Options } from "../args.ts";
import { routesToText, sshRoute, type SshRoute } from "../remote/ssh/route.ts";
import { resolveTarget } from "../remote/ssh/target.ts";
import { readSite } from "./read-site.ts";

export async function planOffline(options: Options): Promise<number> {
  const site = await readSite(options.config!);
  const result = plan({ site });
  // Resolving reads the ssh config (and asks `ssh -G`) but connects nowhere.
  const routes: SshRoute[] = site.sites.map((def) => {
    try {
      const target = resolveTarget(def.ssh, { sshConfigFile: options.sshConfig, identityFile: options.identity, knownHostsFile: options.knownHosts });
      return sshRoute(def.name, target);
    } catch (error) {
      throw new ExitError(ExitCode.InvalidInput, `sites.${def.name}.ssh: ${(error as Error).message}`);
    }
  });
  process.stdout.write(options.json
    ? `${JSON.stringify({ ...(planToJson(result) as object), ssh: routes }, null, 2)}\n`
    : `${planToText(result)}\n${routesToText(routes)}`);
  return 0;
}
