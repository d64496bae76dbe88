import { existsSync } from "node:fs";
import { render } from "ink";
import type { Options } from "../args.ts";
import { ExitCode, ExitError } from "../core/exit-codes.ts";
import { parseSiteYaml } from "../core/load-site.ts";
import { formatProblems, MAX_SITES } from "../core/site.ts";
import { decodeSiteText, readSiteBytes, shownPath } from "../flows/read-site.ts";
import { answersFromFile, type Answers, type Extras } from "./answers.ts";
import { App } from "./App.tsx";
import type { WizardExit } from "./hooks/use-wizard.ts";
import { gatewayServices } from "./services.ts";
import { listSshAliases } from "./ssh-aliases.ts";
import { initialState } from "./state.ts";

export const NO_TERMINAL = `wgsite: the wizard asks questions, and standard input is not a terminal.
To run without questions: wgsite --non-interactive -c site.yaml (see examples/alpha-beta.yaml)
`;

/** The answers of `-c FILE`: a file that cannot be read or parsed ends the run (exit 2); wrong values are shown on their screens. */
export async function prefill(path: string): Promise<{ answers: Answers; extras: Extras }> {
  const decoded = decodeSiteText(await readSiteBytes(path));
  const parsed = decoded.ok ? parseSiteYaml(decoded.text) : { ok: false as const, problems: [decoded.problem] };
  if (!parsed.ok) throw new ExitError(ExitCode.InvalidInput, `${shownPath(path)}: not valid YAML:\n${formatProblems(parsed.problems).map((l) => `  ${l}`).join("\n")}`);
  // Every site is loaded and saved back; past the limit some would be dropped, so such a file is refused whole.
  const sites = (parsed.raw as { sites?: unknown } | null)?.sites;
  const count = sites && typeof sites === "object" ? Object.keys(sites).length : 0;
  if (count > MAX_SITES) {
    throw new ExitError(ExitCode.InvalidInput, `${shownPath(path)}: has ${count} sites; wgsite joins at most ${MAX_SITES} (split the file into groups joined through a hub)`);
  }
  return answersFromFile(parsed.raw);
}

/** `wgsite` in a terminal: the wizard, from nothing (or from `-c FILE`) to a running tunnel. */
export async function runWizard(options: Options): Promise<number> {
  if (!process.stdin.isTTY) {
    process.stderr.write(NO_TERMINAL);
    return ExitCode.InvalidInput;
  }
  if (options.sshConfig && !existsSync(options.sshConfig)) {
    throw new ExitError(ExitCode.InvalidInput, `--ssh-config ${options.sshConfig}: no such file`);
  }
  const filled = options.config ? await prefill(options.config) : undefined;
  const settings = {
    ...(options.sshConfig ? { sshConfig: options.sshConfig } : {}),
    ...(options.knownHosts ? { knownHosts: options.knownHosts } : {}),
    ...(options.identity ? { identity: options.identity } : {}),
    verifyTimeoutSec: options.verifyTimeoutSec,
    rollback: options.rollback,
    intervalSec: options.intervalSec,
  };
  const initial = initialState({ ...(filled ?? {}), aliases: listSshAliases(options.sshConfig), settings });
  const services = gatewayServices({ sshConfig: options.sshConfig, knownHosts: options.knownHosts, identity: options.identity }, settings);

  let result: WizardExit = { code: 130 };
  const app = render(<App initial={initial} services={services} onExit={(exit) => (result = exit)} />, {
    exitOnCtrlC: false,
    incrementalRendering: true,
    // A real terminal is interactive even where a CI variable is set (Ink would otherwise draw only at exit).
    interactive: process.stdout.isTTY === true,
  });
  // A signal from outside (kill, a closed terminal) still restores the terminal and closes the sessions.
  const signals = [["SIGTERM", 15], ["SIGHUP", 1], ["SIGINT", 2]] as const;
  const handlers = signals.map(([signal, n]) => {
    const handler = () => {
      result = { code: 128 + n, message: `stopped by ${signal}` };
      void services.disconnect();
      app.unmount();
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  let final: WizardExit;
  try {
    await app.waitUntilExit();
    // From here the pane handles signals itself (its own exit codes, its sessions handed back).
    for (const [signal, handler] of handlers) process.off(signal, handler);
    final = result as WizardExit;
    // The tunnel is up and the site file saved: the live pane takes over below the wizard's last screen.
    const live = final.watch ? services.live() : undefined;
    if (final.watch && live && live.sessions.length === 2) {
      const { watchInTerminal } = await import("./status/live-pane.ts");
      const ended = await watchInTerminal({ site: final.watch, sessions: [live.sessions[0]!, live.sessions[1]!], reconnect: live.reconnect, intervalSec: options.intervalSec });
      services.adopt(ended.sessions);
      final = { code: ended.code };
    } else if (final.watch && live) {
      // More than two sites: the pairs above one gateway's detail, as `wgsite status` shows them.
      const { watchSitesInTerminal } = await import("./status/sites-pane.ts");
      const ended = await watchSitesInTerminal({ site: final.watch, sessions: live.sessions, reconnect: live.reconnect, intervalSec: options.intervalSec });
      services.adopt(ended.sessions);
      final = { code: ended.code };
    }
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    await services.disconnect();
  }
  if (final.message) process.stderr.write(`wgsite: ${final.message}\n`);
  return final.code;
}
