import type { Step, VerifyTargets } from "../core/plan-types.ts";
import { quote } from "../core/shell.ts";

/**
 * A batch is one shell script that runs several steps in one round trip. Each step is framed by
 * marker lines so the executor can follow progress as it streams and attribute output to a step.
 */
export const STEP_MARK = "@@wgsite-step";
export const CHECK_MARK = "@@wgsite-check";

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

function stepBlock(step: Step, cut: boolean): string {
  return [
    `echo "${STEP_MARK} start ${step.id}"`,
    `( ${step.change} ) 2>&1`,
    `rc=$?; echo "${STEP_MARK} end ${step.id} $rc"`,
    `[ $rc -eq 0 ] || exit 10`,
    ...(cut ? [CUT_CONNECTION] : []),
  ].join("\n");
}

export function batchScript(steps: readonly Step[], extra: readonly string[] = [], options: BatchOptions = {}): string {
  const prelude = (options.stdinVariables ?? []).map((v) => `IFS= read -r ${v}`);
  return ["export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C", ...prelude, "exec </dev/null", ...(options.pre ?? []), ...steps.map((s) => stepBlock(s, s.id === options.cutAfter)), ...extra].join("\n");
}

/**
 * A don't-fragment ping of the interface's whole MTU, LAN address to LAN address: a hop that drops
 * big packets silently passes the small pings above and stalls every bulk transfer.
 */
function fullMtuPing(v: VerifyTargets): string[] {
  const ifc = quote(v.interface);
  return [
    `m=$(cat /sys/class/net/${ifc}/mtu 2>/dev/null || echo 1420); p=$(ping -c2 -i0.05 -W1 -M do -s $((m - 28)) -I ${v.localLanAddress} ${v.remoteProbe} 2>&1); prc=$?`,
    // busybox's ping cannot set don't-fragment: a warning there, not a failed tunnel.
    `if [ $prc = 0 ]; then echo "${CHECK_MARK} mtu-ping 0 $m bytes (don't fragment) cross both ways"; elif echo "$p" | grep -qiE 'invalid option|unrecognized option|usage:'; then echo "${CHECK_MARK} mtu-ping w this ping cannot set don't fragment (-M do): the full-MTU path was not checked"; else echo "${CHECK_MARK} mtu-ping 1 $m bytes (don't fragment) do not cross ${v.localLanAddress} -> ${v.remoteProbe}: the path is narrower than ${v.interface}'s MTU; set tunnel.mtu lower, or apply again to measure it"; vfail=1; fi`,
  ];
}

/** Shell that waits for the tunnel, then reports each verification check as a marker line. */
export function verifyScript(v: VerifyTargets, timeoutSec: number): string {
  const ifc = quote(v.interface);
  const lines = [
    `echo "${STEP_MARK} start verify"`,
    `end=$(( $(date +%s) + ${Math.ceil(timeoutSec)} )); up=1; vfail=0`,
    // Pinging the peer's tunnel address makes WireGuard start the handshake without waiting for traffic.
    `while [ $(date +%s) -lt $end ]; do ping -c1 -W1 ${v.peerTunnelAddress} >/dev/null 2>&1 && { up=0; break; }; sleep 0.2; done`,
    `hs=$(wg show ${ifc} latest-handshakes 2>/dev/null | awk '{print $2}' | head -n1)`,
    `now=$(date +%s); if [ -n "$hs" ] && [ "$hs" -gt 0 ]; then echo "${CHECK_MARK} handshake 0 $((now-hs)) s ago"; else echo "${CHECK_MARK} handshake 1 no handshake yet"; vfail=1; fi`,
    `echo "${CHECK_MARK} tunnel-ping $up ${v.peerTunnelAddress}"; [ $up = 0 ] || vfail=1`,
    `r=$(ip route get ${v.remoteProbe} 2>&1 | head -n1); case "$r" in *" dev ${v.interface} "*) echo "${CHECK_MARK} route 0 $r";; *) echo "${CHECK_MARK} route 1 $r"; vfail=1;; esac`,
  ];
  if (v.localLanAddress) {
    lines.push(
      `p=$(ping -c3 -i0.05 -W1 -I ${v.localLanAddress} ${v.remoteProbe} 2>&1); prc=$?`,
      `echo "${CHECK_MARK} lan-ping $prc $(echo "$p" | grep -E 'packet loss|rtt' | tr '\\n' ' ')"; [ $prc = 0 ] || vfail=1`,
      ...fullMtuPing(v),
    );
  }
  if (v.localLanAddress6 && v.remoteProbe6) {
    lines.push(
      `p=$(ping -6 -c3 -i0.05 -W1 -I ${v.localLanAddress6} ${v.remoteProbe6} 2>&1); prc=$?`,
      `echo "${CHECK_MARK} lan-ping6 $prc $(echo "$p" | grep -E 'packet loss|rtt' | tr '\\n' ' ')"; [ $prc = 0 ] || vfail=1`,
    );
  }
  if (v.localLanAddress && v.remoteHosts?.length) {
    // A host's answer proves the whole path; silence is a warning ("w"), as many hosts ignore pings.
    for (const host of v.remoteHosts) {
      lines.push(
        `( p=$(ping -c2 -i0.05 -W1 -I ${v.localLanAddress} ${host} 2>&1); if [ $? = 0 ]; then echo "${CHECK_MARK} lan-host 0 ${host} answers in $(echo "$p" | sed -n 's|.*= [0-9.]*/\\([0-9.]*\\)/.*|\\1|p') ms"; else echo "${CHECK_MARK} lan-host w ${host} does not answer: if it answers pings at all, its route back to ${v.localLanAddress} must go via ${v.remoteProbe}, the other gateway"; fi ) &`,
      );
    }
    lines.push("wait");
  }
  lines.push(`echo "${STEP_MARK} end verify 0"`);
  return lines.join("\n");
}

export type BatchEvent =
  | { readonly type: "step-start"; readonly step: string; readonly at: number }
  | { readonly type: "step-end"; readonly step: string; readonly code: number; readonly at: number; readonly output: string }
  | { readonly type: "check"; readonly id: string; readonly ok: boolean; readonly detail: string; readonly warning?: true };

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
    } else if (line.startsWith(`${CHECK_MARK} `)) {
      const [, id, code, ...rest] = line.split(" ");
      this.onEvent({ type: "check", id: id!, ok: code === "0", detail: rest.join(" ").trim(), ...(code === "w" ? { warning: true as const } : {}) });
    } else {
      this.#output += `${line}\n`;
    }
  }
}
