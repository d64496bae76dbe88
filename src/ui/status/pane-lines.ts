import chalk from "chalk";
import cliTruncate from "cli-truncate";
import stringWidth from "string-width";
import wrapAnsi from "wrap-ansi";
import type { SiteDef } from "../../core/site.ts";
import { findPeer, handshakeAge, type Check } from "../../status/checks.ts";
import { formatAge, formatBytes, formatRate, shortKey } from "../../status/format.ts";
import { overallStatus, STATUS_MARK, summaryLine } from "../../status/report.ts";
import type { StatusSample } from "../../status/sample.ts";
import { color, type Tone } from "../theme.ts";
import { STATUS_KEY_LABELS, StatusCommand } from "./keys.ts";
import { sparkline } from "./sparkline.ts";
import { gatewayViews, type GatewayPane, type StatusState } from "./state.ts";
import { statusColor } from "./tone.ts";

/*
 * The live pane as plain terminal lines (ANSI styles included, never wider than the terminal).
 * The pane is redrawn every second for as long as an operator watches it; building it as lines
 * costs a fraction of a millisecond, where a tree of Ink boxes costs 6-12 ms per frame
 * (bench/FINDINGS.md). live-pane.ts draws them, for `wgsite status` and after the wizard.
 */

/** Side by side needs two columns of at least 39 characters. */
const SIDE_BY_SIDE_MIN = 78;

/** Rows the full side-by-side pane takes with a few fixes listed. */
const FULL_ROWS = 36;

const SPARK = 8;

type Style = { readonly color?: string | undefined; readonly bold?: boolean; readonly dim?: boolean };

/** Text in a style; colors are theme colors (undefined under NO_COLOR). */
function paint(text: string, style: Style): string {
  let out = text;
  if (style.color) out = (chalk as unknown as Record<string, (s: string) => string>)[style.color]!(out);
  if (style.bold) out = chalk.bold(out);
  if (style.dim) out = chalk.dim(out);
  return out;
}

const tone = (t: Tone) => color(t);

// Characters one column wide whatever the terminal (no emoji presentation, no East Asian wide
// forms): ASCII, Latin, general punctuation, arrows, box drawing, blocks and shapes, check marks.
const NARROW = /^[\x20-\x7e\u00a0-\u02ff\u2010-\u205e\u2190-\u21ff\u2500-\u25fc\u2713-\u2717]*$/;
const SGR = /\x1b\[[0-9;]*m/g;

/** Columns a line takes; string-width (which segments graphemes) only when a character needs it. */
function columnsOf(line: string): number {
  const plain = line.includes("\x1b") ? line.replace(SGR, "") : line;
  return NARROW.test(plain) ? plain.length : stringWidth(plain);
}

/** One line cut at `max` with an ellipsis, as Ink's `wrap="truncate-end"` does. */
const cut = (line: string, max: number) => (columnsOf(line) <= max ? line : cliTruncate(line, max, { position: "end" }));

/** Text broken into lines of at most `max`, as Ink's default `wrap="wrap"` does. */
const wrapped = (text: string, max: number): string[] => (columnsOf(text) <= max ? [text] : wrapAnsi(text, Math.max(1, max), { trim: false, hard: true }).split("\n"));

const pad = (line: string, to: number) => line + " ".repeat(Math.max(0, to - columnsOf(line)));

/** Left and right on one line, the space between them filled; the left side gives way first. */
function spread(left: string, right: string, width: number): string {
  const rightShown = cut(right, width);
  const room = width - columnsOf(rightShown);
  if (room <= 1) return rightShown;
  const leftShown = columnsOf(left) < room ? left : cut(left, room - 1);
  return pad(leftShown, room) + rightShown;
}

/** A round border around lines (padded to `height`), one space inside on each side. */
function boxed(lines: readonly string[], width: number, borderColor: string | undefined, height = lines.length): string[] {
  const inner = Math.max(0, width - 4);
  const edge = (s: string) => paint(s, { color: borderColor });
  const body = [...lines, ...Array<string>(Math.max(0, height - lines.length)).fill("")];
  return [
    edge(`╭${"─".repeat(Math.max(0, width - 2))}╮`),
    ...body.map((line) => `${edge("│")} ${pad(line, inner)} ${edge("│")}`),
    edge(`╰${"─".repeat(Math.max(0, width - 2))}╯`),
  ];
}

function linkState(pane: GatewayPane): string {
  const link = pane.link;
  if (link.kind === "connecting") return paint("connecting…", { color: tone("muted") });
  if (link.kind === "reconnecting") return paint(`reconnecting #${link.attempt}, ${link.retryInSec} s`, { color: tone("warn") });
  return paint(link.heavy ? "◌ full probe" : "● live", { color: tone(link.heavy ? "accent" : "good") });
}

function transfer(total: number, rates: readonly number[]): string {
  const now = rates.length > 0 ? formatRate(rates[rates.length - 1]!) : "";
  return `${formatBytes(total).padEnd(9)}${now.padEnd(11)}${rates.length > 1 ? sparkline(rates, SPARK) : ""}`;
}

/** The `wg show dump` view of one gateway: keys, endpoint, handshake age, transfer with its rate. */
function wgFields(pane: GatewayPane, sample: StatusSample, peerSample: StatusSample | undefined, remote: SiteDef, iface: string, width: number): string[] {
  const stale = pane.link.kind === "reconnecting";
  const wg = sample.wg;
  if (!wg) return wrapped(paint(`no WireGuard interface ${iface}`, { color: tone("bad") }), width);
  const field = (label: string, value: string) => cut(paint(paint(label.padEnd(5), { color: tone("muted") }) + value, { dim: stale }), width);
  const peer = findPeer(wg, peerSample?.wg?.publicKey, remote.lan.map((l) => l.text));
  if (!peer) return [field("key", `${shortKey(wg.publicKey)}  port ${wg.listenPort}`), paint("no peer", { color: tone("bad") })];
  return [
    field("key", `${shortKey(wg.publicKey)}  port ${wg.listenPort}`),
    field("peer", `${shortKey(peer.publicKey)}  psk ${peer.presharedKey ? "yes" : "no"}`),
    field("endp", peer.endpoint ?? "(none)"),
    field("ips", peer.allowedIps.join(",") || "(none)"),
    field("hs", `${formatAge(handshakeAge(sample, peer))}  keepalive ${peer.keepalive ? `${peer.keepalive} s` : "off"}`),
    field("rx", transfer(peer.rxBytes, pane.rates.rx)),
    field("tx", transfer(peer.txBytes, pane.rates.tx)),
  ];
}

/** One check on one line: mark, title, what was found (cut at the column's edge). */
function checkRow(check: Check, titleWidth: number, stale: boolean, width: number): string {
  const mark = paint(STATUS_MARK[check.status], { color: statusColor(check.status) });
  return cut(paint(`${mark} ${check.title.padEnd(titleWidth)} ${check.detail}`, { dim: stale }), width);
}

/** One gateway's column without its border: link state, WireGuard fields, checks. */
function gatewayLines(state: StatusState, index: 0 | 1, width: number, compact: boolean): string[] {
  const pane = state.gateways[index];
  const peerPane = state.gateways[index === 0 ? 1 : 0];
  const def = state.site.sites[index];
  const remote = state.site.sites[index === 0 ? 1 : 0];
  const stale = pane.link.kind === "reconnecting";
  const lines = [spread(`${paint(def.name, { bold: true })} ${def.interface}`, linkState(pane), width)];
  if (pane.sample) lines.push(...wgFields(pane, pane.sample, peerPane.sample, remote, def.interface, width));
  if (pane.checks.length > 0) {
    const titleWidth = Math.max(0, ...pane.checks.map((c) => c.title.length));
    const shown = compact ? pane.checks.filter((c) => c.status !== "green") : pane.checks;
    const hidden = pane.checks.length - shown.length;
    lines.push("", ...shown.map((c) => checkRow(c, titleWidth, stale, width)));
    if (hidden > 0) lines.push(cut(paint(`✔ ${hidden} more check${hidden === 1 ? "" : "s"} green`, { color: tone("good"), dim: stale }), width));
  }
  return lines;
}

/** The focused gateway's fixes, full width: one entry per check that is not green. */
function hintLines(state: StatusState, width: number): string[] {
  const i = state.focus;
  const o = i === 0 ? 1 : 0;
  const [name, otherName] = [state.site.sites[i].name, state.site.sites[o].name];
  const pane = state.gateways[i];
  const link = pane.link;
  const hinted = pane.checks.filter((c) => c.hint);
  const elsewhere = state.gateways[o].checks.filter((c) => c.hint).length;
  const texts: string[] = [];
  if (link.kind === "reconnecting") texts.push(paint(`${name}: connection lost (${link.error}); reconnect attempt ${link.attempt} in ${link.retryInSec} s`, { color: tone("warn") }));
  if (hinted.length === 0 && link.kind === "up") texts.push(paint(`${name}: nothing to fix${elsewhere > 0 ? `; ${otherName}: ${elsewhere} to fix (Tab)` : ""}`, { color: tone("muted") }));
  for (const c of hinted) texts.push(`${paint(STATUS_MARK[c.status], { color: statusColor(c.status) })} ${name} ${c.title}: ${c.hint}`);
  return texts.flatMap((t) => wrapped(t, width));
}

/**
 * The whole pane for a terminal of `columns` × `rows`: summary, both gateways (side by side from 78
 * columns, stacked below), the focused gateway's fixes, the keys. Below the height the full pane
 * needs, green checks are only counted.
 */
export function paneLines(state: StatusState, columns: number, rows?: number): string[] {
  const wide = columns >= SIDE_BY_SIDE_MIN;
  const compact = rows !== undefined && rows < (wide ? FULL_ROWS : 2 * FULL_ROWS - 10);
  const width = wide ? Math.min(60, Math.floor(columns / 2)) : Math.min(columns, 60);
  const outer = wide ? width * 2 : width;
  const waiting = state.gateways.every((g) => g.link.kind === "connecting");
  const views = gatewayViews(state);
  const summary = waiting
    ? paint("probing both gateways…", { bold: true, color: tone("muted") })
    : paint(summaryLine(state.site, views), { bold: true, color: statusColor(overallStatus(views)) });
  const border = (i: 0 | 1) => tone(state.focus === i ? "accent" : "muted");
  const [a, b] = [gatewayLines(state, 0, width - 4, compact), gatewayLines(state, 1, width - 4, compact)];
  let columnsLines: string[];
  if (wide) {
    const height = Math.max(a.length, b.length);
    const [left, right] = [boxed(a, width, border(0), height), boxed(b, width, border(1), height)];
    columnsLines = left.map((line, n) => line + right[n]!);
  } else {
    columnsLines = [...boxed(a, width, border(0)), ...boxed(b, width, border(1))];
  }
  const keys = `${STATUS_KEY_LABELS[StatusCommand.Quit]} quit  ·  ${STATUS_KEY_LABELS[StatusCommand.Refresh]} refresh now  ·  ${STATUS_KEY_LABELS[StatusCommand.NextGateway]} other gateway's fixes`;
  return [
    ...wrapped(summary, outer),
    ...columnsLines,
    "",
    ...hintLines(state, outer),
    "",
    ...wrapped(paint(keys, { color: tone("muted") }), outer),
  ].map((line) => line.trimEnd());
}
