import { parseArgs } from "node:util";
import { escapeControls, quoted } from "./core/show-value.ts";

export const USAGE = `Usage: wgsite [command] [options]

Commands:
  (none)                 interactive wizard (pre-filled from -c FILE when given)
  apply -c FILE          configure both gateways, verify the tunnel (asks before changing; --yes skips)
  plan -c FILE           show what apply would do (--offline: without connecting)
  status -c FILE         live pane of both gateways (--once: one snapshot; --json; --prometheus)
  remove -c FILE         undo what wgsite did on both gateways (--keep-keys keeps the keys)
  rotate -c FILE         new private keys made on both gateways, taken live (--psk: a new preshared key too)

Options:
  -c, --config FILE          the site file (YAML; - reads it from standard input); see examples/alpha-beta.yaml
      --non-interactive      never prompt (same as: apply --yes); missing answers exit 2
  -y, --yes                  apply without asking
      --json                 machine-readable output on stdout
      --offline              plan: render without connecting
      --ssh-config FILE      SSH config to read Host aliases from (default ~/.ssh/config)
      --known-hosts FILE     known_hosts file (default ~/.ssh/known_hosts)
  -i, --identity FILE        private key to try after the agent
      --accept-new-host-keys record unknown host keys (hashed) instead of refusing (exit 4)
      --verify-timeout SEC   how long verification may take (default 30)
      --no-rollback          keep a failed apply's state for debugging
      --adopt                take over an existing config of the same name (a backup is kept)
      --keep-keys            remove: keep the gateways' key files
      --psk                  rotate: a new preshared key as well (the site file must have tunnel.presharedKey)
      --interval SEC         status: refresh interval (default 1)
      --once                 status: print one snapshot and exit
      --prometheus           status --once: the snapshot as Prometheus metrics (textfile collector)
      --watch                status: keep probing without the pane, one line per change
      --exit-on-red          status --watch: exit 3 naming the red checks as soon as one goes red
      --site NAME[,NAME]     apply, status, remove: only these gateways (their peers are still checked)
  -h, --help                 this help
  -V, --version              print the version

Exit codes: 0 success, 1 failure on a gateway, 2 invalid input or usage (nothing touched),
3 health checks failing, 4 host key refused, 70 internal error (a bug), 128+N stopped by signal N.
`;

export type Options = {
  readonly config?: string;
  readonly nonInteractive: boolean;
  readonly yes: boolean;
  readonly json: boolean;
  readonly offline: boolean;
  readonly sshConfig?: string;
  readonly knownHosts?: string;
  readonly identity?: string;
  readonly acceptNewHostKeys: boolean;
  readonly verifyTimeoutSec: number;
  readonly rollback: boolean;
  readonly adopt: boolean;
  readonly keepKeys: boolean;
  readonly intervalSec: number;
  readonly once: boolean;
  /** --site: the gateways apply, status and remove act on (all when absent); names are checked against the site file. */
  readonly sites?: readonly string[];
  readonly prometheus: boolean;
  readonly watch: boolean;
  readonly exitOnRed: boolean;
  readonly psk: boolean;
};

export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | { readonly kind: "wizard"; readonly options: Options }
  | { readonly kind: "apply"; readonly options: Options }
  | { readonly kind: "plan"; readonly options: Options }
  | { readonly kind: "status"; readonly options: Options }
  | { readonly kind: "remove"; readonly options: Options }
  | { readonly kind: "rotate"; readonly options: Options };

export type ParsedArgs = { readonly ok: true; readonly command: Command } | { readonly ok: false; readonly message: string };

const COMMANDS = ["apply", "plan", "status", "remove", "rotate"] as const;

function positiveNumber(text: string | undefined, flag: string, fallback: number): number | string {
  if (text === undefined) return fallback;
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : `--${flag} needs a positive number of seconds, got ${quoted(text)}`;
}

type Kind = Command["kind"];

/**
 * Which commands each option does something for. An option given to a command that ignores it is
 * refused: `plan --yes` would otherwise read as if plan could change something. --non-interactive
 * (never prompt) fits every command.
 */
const OPTION_COMMANDS: Record<string, readonly Kind[]> = {
  "non-interactive": ["wizard", "apply", "plan", "status", "remove", "rotate"],
  yes: ["apply", "rotate"],
  json: ["apply", "plan", "status", "remove", "rotate"],
  offline: ["plan"],
  "ssh-config": ["wizard", "apply", "plan", "status", "remove", "rotate"],
  "known-hosts": ["wizard", "apply", "plan", "status", "remove", "rotate"],
  identity: ["wizard", "apply", "plan", "status", "remove", "rotate"],
  "accept-new-host-keys": ["apply", "plan", "status", "remove", "rotate"],
  "verify-timeout": ["wizard", "apply", "rotate"],
  "no-rollback": ["wizard", "apply", "rotate"],
  adopt: ["apply", "plan"],
  "keep-keys": ["remove"],
  interval: ["wizard", "status"],
  once: ["status"],
  site: ["apply", "status", "remove", "rotate"],
  prometheus: ["status"],
  watch: ["status"],
  "exit-on-red": ["status"],
  psk: ["rotate"],
};

/** What `plan --offline` never does: connect. (--ssh-config, --known-hosts and --identity still shape the SSH route it prints.) */
const CONNECTING = ["accept-new-host-keys", "adopt"];

const label = (kind: Kind) => (kind === "wizard" ? "the wizard" : kind);

export function parseCli(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      tokens: true,
      options: {
        config: { type: "string", short: "c" },
        "non-interactive": { type: "boolean" },
        yes: { type: "boolean", short: "y" },
        json: { type: "boolean" },
        offline: { type: "boolean" },
        "ssh-config": { type: "string" },
        "known-hosts": { type: "string" },
        identity: { type: "string", short: "i" },
        "accept-new-host-keys": { type: "boolean" },
        "verify-timeout": { type: "string" },
        "no-rollback": { type: "boolean" },
        adopt: { type: "boolean" },
        "keep-keys": { type: "boolean" },
        interval: { type: "string" },
        once: { type: "boolean" },
        site: { type: "string" },
        prometheus: { type: "boolean" },
        watch: { type: "boolean" },
        "exit-on-red": { type: "boolean" },
        psk: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    });
  } catch (error) {
    return { ok: false, message: escapeControls(Array.from((error as Error).message).slice(0, 300).join("")) };
  }
  const v = parsed.values;
  const given = new Map<string, string[]>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== "option") continue;
    given.set(token.name, [...(given.get(token.name) ?? []), token.rawName]);
    const values = parsed.tokens!.filter((t) => t.kind === "option" && t.name === token.name && t.value !== undefined);
    if (values.length > 1 && token === values[1]) {
      const shownValues = values.map((t) => quoted(t.kind === "option" ? (t.value ?? "") : "")).join(" and ");
      return { ok: false, message: `${token.rawName} is given twice (${shownValues}); give it once` };
    }
  }
  if (v.help) return { ok: true, command: { kind: "help" } };
  if (v.version) return { ok: true, command: { kind: "version" } };
  if (parsed.positionals.length > 1) return { ok: false, message: `unexpected argument ${quoted(parsed.positionals[1]!)}` };
  const name = parsed.positionals[0];
  if (name !== undefined && !(COMMANDS as readonly string[]).includes(name)) {
    return { ok: false, message: `unknown command ${quoted(name)}; commands: ${COMMANDS.join(", ")}` };
  }
  const verify = positiveNumber(v["verify-timeout"], "verify-timeout", 30);
  const interval = positiveNumber(v.interval, "interval", 1);
  if (typeof verify === "string") return { ok: false, message: verify };
  if (typeof interval === "string") return { ok: false, message: interval };
  const sites = v.site === undefined ? undefined : v.site.split(",").map((n) => n.trim());
  if (sites && (sites.length === 0 || sites.some((n) => n === ""))) return { ok: false, message: `--site needs site names separated by commas (e.g. --site gamma,delta), got ${quoted(v.site!)}` };
  const options: Options = {
    config: v.config,
    nonInteractive: v["non-interactive"] ?? false,
    yes: (v.yes ?? false) || (v["non-interactive"] ?? false),
    json: v.json ?? false,
    offline: v.offline ?? false,
    sshConfig: v["ssh-config"],
    knownHosts: v["known-hosts"],
    identity: v.identity,
    acceptNewHostKeys: v["accept-new-host-keys"] ?? false,
    verifyTimeoutSec: verify,
    rollback: !(v["no-rollback"] ?? false),
    adopt: v.adopt ?? false,
    keepKeys: v["keep-keys"] ?? false,
    intervalSec: interval,
    once: v.once ?? false,
    prometheus: v.prometheus ?? false,
    watch: v.watch ?? false,
    exitOnRed: v["exit-on-red"] ?? false,
    psk: v.psk ?? false,
    ...(sites ? { sites } : {}),
  };
  const kind = (name ?? (options.nonInteractive ? "apply" : "wizard")) as Kind;
  if (kind !== "wizard" && !options.config) return { ok: false, message: `${kind} needs the site file: -c FILE (see examples/alpha-beta.yaml)` };
  for (const [name, spellings] of given) {
    const commands = OPTION_COMMANDS[name];
    if (!commands || commands.includes(kind)) continue;
    const with_ = commands.filter((k) => k !== "wizard").map(label);
    return { ok: false, message: `${spellings[0]} does nothing for ${label(kind)}${with_.length > 0 ? `; it goes with ${with_.join(", ")}` : ""}` };
  }
  if (options.offline) {
    const connecting = CONNECTING.find((name) => given.has(name));
    if (connecting) return { ok: false, message: `${given.get(connecting)![0]} does nothing for plan --offline, which does not connect; drop one of them` };
  }
  const statusFlags = statusFlagProblem(kind, options);
  if (statusFlags) return { ok: false, message: statusFlags };
  return { ok: true, command: { kind, options } as Command };
}

/** The alerting flags of `status` (issue 19): which go together. */
function statusFlagProblem(kind: string, o: Options): string | undefined {
  const given = [o.prometheus && "--prometheus", o.watch && "--watch", o.exitOnRed && "--exit-on-red"].filter((f): f is string => typeof f === "string");
  if (given.length > 0 && kind !== "status") return `${given[0]} goes with the status command`;
  if (o.prometheus && o.json) return "--prometheus and --json are two output formats: give one";
  if (o.watch && (o.once || o.json || o.prometheus)) return `--watch keeps probing; ${o.once ? "--once" : o.json ? "--json" : "--prometheus"} prints one snapshot: give one`;
  if (o.exitOnRed && !o.watch) return "--exit-on-red goes with --watch (status --once already exits 3 when a check is red)";
  return undefined;
}
