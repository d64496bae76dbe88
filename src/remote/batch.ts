import type { Step, VerifyTargets } from "../core/plan-types.ts";
import { quote } from "../core/shell.ts";
import { opsShell, type OpContext } from "./ops-shell.ts";
import { verifyProbeScript } from "../status/verify.ts";

/**
 * A batch is one shell script that runs several steps in one round trip. Each step is framed by
 * marker lines so the executor can follow progress as it streams and attribute output to a step.
 */
export const STEP_MARK = "@@wgsite-step";

export type BatchOptions = {
  /** Names of variables read from stdin, one line each, before anything else (secrets stay out of argv). */
  readonly stdinVariables?: readonly string[];
  /** Shell run before the first step (e.g. arming the gateway's revert timer). */
  readonly pre?: readonly string[];
  /** Test only: drop the SSH connection after this step (kills the session's sshd). */
  readonly cutAfter?: string;
};

const CUT_CONNECTION =
  "p=$$; while [ \"$p\" -gt 1 ]; do case \"$(cat /proc/$p/comm)\" in sshd*) kill -9 $p; break;; esac; p=$(cut -d' ' -f4 /proc/$p/stat); done; exit 99";

function stepBlock(step: Step, ctx: OpContext, cut: boolean): string {
  return [
    `echo "${STEP_MARK} start ${step.id}"`,
    `( ${opsShell(step.ops, ctx)}
) 2>&1`,
    `rc=$?; echo "${STEP_MARK} end ${step.id} $rc"`,
    `[ $rc -eq 0 ] || exit 10`,
    ...(cut ? [CUT_CONNECTION] : []),
  ].join("\n");
}

export function batchScript(steps: readonly Step[], ctx: OpContext, extra: readonly string[] = [], options: BatchOptions = {}): string {
  const prelude = (options.stdinVariables ?? []).map((v) => `IFS= read -r ${v}`);
  return ["export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C", ...prelude, "exec </dev/null", ...(options.pre ?? []), ...steps.map((s) => stepBlock(s, ctx, s.id === options.cutAfter)), ...extra].join("\n");
}

/**
 * Shell that waits for the tunnel, then runs the status probe (status/verify.ts), whose output
 * wgsite judges with the status checks. Pinging the peer's tunnel address makes WireGuard start the
 * handshake at once. Both gateways ping, so one whose first initiation was lost (the peer still coming
 * up) is answered by the peer's own initiation instead of waiting 5 s for its retry; but the second
 * gateway (the responder) first waits up to 0.16 s for the first one's handshake: two
 * initiations that cross on the wire each replace the other's state, both responses are then invalid
 * and both sides wait 5 s for the retry (seen in wireguard-go's log on the lab, 2 first applies in 5).
 * A handshake older than 120 s counts as none: the session is due for a new one (a rerun after an idle
 * spell, whose crossed initiations cost 5.5 s once on the lab). The wait is short because it is paid
 * whenever the first gateway's initiation was lost (it came up first): half a second cost 0.65 s in 3 of
 * 5 bench runs; crossing needs both to send within a round trip of each other, 0.16 s apart is enough.
 */
export function verifyScript(v: VerifyTargets, timeoutSec: number, responder = false): string {
  const iface = quote(v.interface);
  return [
    `echo "${STEP_MARK} start verify"`,
    `end=$(( $(date +%s) + ${Math.ceil(timeoutSec)} ))`,
    ...(responder
      ? [`i=0; while [ $i -lt 8 ] && ! wg show ${iface} latest-handshakes 2>/dev/null | awk -v now="$(date +%s)" '$2 > now - 120 { f = 1 } END { exit !f }'; do sleep 0.02; i=$((i + 1)); done`]
      : []),
    `while [ $(date +%s) -lt $end ]; do ping -c1 -W1 ${quote(v.peerTunnelAddress)} >/dev/null 2>&1 && break; sleep 0.05; done`,
    verifyProbeScript(v),
    `echo "${STEP_MARK} end verify 0"`,
  ].join("\n");
}

export type BatchEvent =
  | { readonly type: "step-start"; readonly step: string; readonly at: number }
  | { readonly type: "step-end"; readonly step: string; readonly code: number; readonly at: number; readonly output: string };

/** Turns streamed stdout into events; feed it chunks as they arrive. */
export class BatchReader {
  #buffer = "";
  #output = "";
  constructor(private readonly onEvent: (event: BatchEvent) => void) {}

  push(chunk: string): void {
    this.#buffer += chunk;
    let nl = this.#buffer.indexOf("\n");
    while (nl >= 0) {
      this.#line(this.#buffer.slice(0, nl));
      this.#buffer = this.#buffer.slice(nl + 1);
      nl = this.#buffer.indexOf("\n");
    }
  }

  end(): void {
    if (this.#buffer) this.#line(this.#buffer);
    this.#buffer = "";
  }

  #line(line: string): void {
    if (line.startsWith(`${STEP_MARK} start `)) {
      const [, , step] = line.split(" ");
      this.#output = "";
      this.onEvent({ type: "step-start", step: step!, at: Date.now() });
    } else if (line.startsWith(`${STEP_MARK} end `)) {
      const [, , step, code] = line.split(" ");
      this.onEvent({ type: "step-end", step: step!, code: Number(code), at: Date.now(), output: this.#output });
    } else {
      this.#output += `${line}\n`;
    }
  }
}
