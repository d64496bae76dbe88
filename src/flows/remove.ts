import type { Options } from "../args.ts";
import { ExitCode } from "../core/exit-codes.ts";
import { removalSteps } from "../core/removal.ts";
import { batchScript, BatchReader } from "../remote/batch.ts";
import { closeSessions, openGateways } from "../remote/gateways.ts";
import { nonInteractivePrompts } from "../remote/noninteractive-prompts.ts";
import { progressLine } from "./progress-log.ts";
import { readSite } from "./read-site.ts";
import { namedSites } from "../core/site-filter.ts";

/** `wgsite remove`: undoes exactly what the journal on each gateway records; a second run is a no-op. */
export async function remove(options: Options): Promise<number> {
  const site = await readSite(options.config!);
  const named = namedSites(site, options.sites);
  const log = (line: string | undefined) => line && process.stderr.write(`${line}\n`);
  // --site: only those gateways are contacted and undone; the others keep their tunnels (and a peer for them until the next apply).
  const targets = named ? { ...site, sites: site.sites.filter((s) => named.has(s.name)) } : site;
  const sessions = await openGateways(targets, { sshConfig: options.sshConfig, knownHosts: options.knownHosts, identity: options.identity }, nonInteractivePrompts(options.acceptNewHostKeys), (e) => log(progressLine(e)), { measurePaths: false });
  try {
    const results = await Promise.all(
      sessions.map(async (s) => {
        const { steps, noop } = removalSteps(s.def.interface, s.facts, options.keepKeys);
        if (noop) {
          log(`[${s.def.name}] ok     ${noop}`);
          return { site: s.def.name, removed: false, ok: true };
        }
        const titles = new Map<string, string>(steps.map((st) => [st.id, st.title]));
        let failed = false;
        const reader = new BatchReader((e) => {
          if (e.type === "step-end") {
            failed ||= e.code !== 0;
            log(`[${s.def.name}] ${e.code === 0 ? "done  " : "FAILED"} ${titles.get(e.step) ?? e.step}${e.code === 0 ? "" : `\n${e.output}`}`);
          }
        });
        const result = await s.root.exec(batchScript(steps, { runId: "remove" }), { onStdout: (c) => reader.push(c), timeoutMs: 120_000 });
        reader.end();
        return { site: s.def.name, removed: true, ok: !failed && result.code === 0 };
      }),
    );
    if (options.json) process.stdout.write(`${JSON.stringify({ gateways: results }, null, 2)}\n`);
    const ok = results.every((r) => r.ok);
    const from = site.sites.length === 2 && !named ? "both gateways" : results.filter((r) => r.removed).map((r) => r.site).join(", ");
    process.stderr.write(ok ? (results.some((r) => r.removed) ? `Removed wgsite's tunnel from ${from}.\n` : "Nothing to remove.\n") : "wgsite: removal failed on a gateway; see above\n");
    return ok ? ExitCode.Ok : ExitCode.GatewayFailure;
  } finally {
    await closeSessions(sessions);
  }
}
