import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { cleanup } from "ink-testing-library";
import { checkLan, checkPort, checkSiteName } from "../../src/core/fields.ts";
import { initialState } from "../../src/ui/state.ts";
import { flat, frame, frameWith, KEY, press, type } from "./helpers/drive.ts";
import { ALIASES, SETTINGS } from "./helpers/fixtures.ts";
import { renderWizard } from "./helpers/render-wizard.tsx";

afterEach(() => cleanup());

const fresh = () => initialState({ aliases: ALIASES, settings: SETTINGS });
const messageOf = (check: { ok: boolean; message?: string }) => (check.ok ? "" : check.message!);

test("sites screen: the reference defaults, the first field focused, its hint and the keys", async () => {
  const { r } = renderWizard(fresh());
  const seen = await frameWith(r, "Name of the first site");
  assert.equal(
    seen,
    [
      "wgsite  [1 Sites]  2 Tunnel  3 Gateways  4 Review  5 Apply  6 Done",
      "",
      "Each site's gateway routes its LAN to the other site over WireGuard (no NAT).",
      "alpha 10.10.10.0/24 ─ wgA 10.10.9.0 ══ 10.10.9.0/31 ══ 10.10.9.1 wgB ─ 10.10.11.0/24 beta",
      "",
      "› Name of the first site: alpha",
      "    lowercase letters, digits, - or _; used in config comments and file names",
      "  LAN networks of alpha: 10.10.10.0/24",
      "  Name of the second site: beta",
      "  LAN networks of beta: 10.10.11.0/24",
      "",
      "Enter/Tab next  ·  Shift-Tab/↑ previous field  ·  Ctrl-C quit",
    ].join("\n"),
  );
});

test("typing validates with the shared validator, its message says how to fix; Enter does not leave a bad field", async () => {
  const { r } = renderWizard(fresh());
  await frameWith(r, "Name of the first site");
  await type(r, "X");
  const bad = await frameWith(r, "alphaX");
  const expected = messageOf(checkSiteName("alphaX"));
  assert.ok(flat(bad).includes(expected), `the validator's message is shown:\n${bad}`);
  await press(r, KEY.enter);
  assert.match(frame(r), /› Name of the first site: alphaX/, "still on the bad field");
  await press(r, KEY.backspace);
  await frameWith(r, "lowercase letters, digits");
  await press(r, KEY.enter);
  await frameWith(r, "› LAN networks of alpha");
});

test("a LAN with host bits set: the fix is in the message; several LANs are separated by commas", async () => {
  const { r } = renderWizard(fresh());
  await press(r, KEY.tab);
  await frameWith(r, "› LAN networks of alpha");
  await press(r, ...Array.from({ length: 13 }, () => KEY.backspace));
  await type(r, "10.10.10.1/24");
  const seen = await frameWith(r, "host bits");
  assert.ok(flat(seen).includes(messageOf(checkLan("10.10.10.1/24"))));
  await press(r, ...Array.from({ length: 4 }, () => KEY.backspace));
  await type(r, "0/24, 10.20.0.0/16");
  await frameWith(r, "the networks behind its gateway");
  await press(r, KEY.enter);
  await frameWith(r, "› Name of the second site");
});

test("overlapping LANs are caught on the sites screen, with the reason", async () => {
  const { r } = renderWizard(fresh());
  await press(r, KEY.tab, KEY.tab, KEY.tab);
  await frameWith(r, "› LAN networks of beta");
  await press(r, ...Array.from({ length: 7 }, () => KEY.backspace));
  await type(r, "0.0/16");
  const seen = await frameWith(r, "must not overlap");
  assert.match(seen, /10\.10\.0\.0\/16 overlaps sites\.alpha\.lan\[0\] 10\.10\.10\.0\/24/);
});

test("Enter and Tab go forward, Shift-Tab and ↑ back a field, Esc back a screen with the answers kept", async () => {
  const { r } = renderWizard(fresh());
  await frameWith(r, "› Name of the first site");
  await press(r, KEY.enter, KEY.tab);
  await frameWith(r, "› Name of the second site");
  await press(r, KEY.shiftTab);
  await frameWith(r, "› LAN networks of alpha");
  await press(r, KEY.up);
  await frameWith(r, "› Name of the first site");
  await press(r, KEY.down);
  await frameWith(r, "› LAN networks of alpha");
  await type(r, ", 10.30.0.0/16");
  await press(r, KEY.enter, KEY.enter, KEY.enter);
  await frameWith(r, "[2 Tunnel]");
  await press(r, KEY.esc);
  const back = await frameWith(r, "[1 Sites]");
  assert.match(back, /LAN networks of alpha: 10\.10\.10\.0\/24, 10\.30\.0\.0\/16/);
  assert.match(back, /› LAN networks of beta/, "back lands on the last field");
});

test("tunnel screen: /31 and /30 offered with the RFC 3021 note; 'another network' switches to typing", async () => {
  const { r } = renderWizard({ ...fresh(), screen: "tunnel", focus: "network" });
  const list = await frameWith(r, "RFC 3021");
  assert.match(list, /› 10\.10\.9\.0\/31 {2}both addresses usable \(RFC 3021\), as in the reference/);
  assert.match(list, /10\.10\.9\.0\/30 {2}the fallback for devices that mishandle a \/31/);
  assert.match(flat(list), /if you meet routing trouble, switch to a \/30/);
  await press(r, KEY.down);
  await press(r, KEY.enter);
  const port = await frameWith(r, "› UDP port");
  assert.match(port, /Transfer network: 10\.10\.9\.0\/30/);
  assert.match(port, /alpha 10\.10\.10\.0\/24 ─ wgA 10\.10\.9\.1 ══ 10\.10\.9\.0\/30 ══ 10\.10\.9\.2 wgB/, "the diagram follows");
  await press(r, KEY.shiftTab);
  await frameWith(r, /› 10\.10\.9\.0\/30/);
  await press(r, KEY.down, KEY.enter);
  await frameWith(r, /› Transfer network: 10\.10\.9\.0\/30/);
  await press(r, KEY.backspace, KEY.backspace);
  await type(r, "29");
  const bad = await frameWith(r, "must be an IPv4 /31 or /30");
  assert.match(bad, /✖/);
});

test("tunnel screen: a port out of range, then the preshared key choice", async () => {
  const { r } = renderWizard({ ...fresh(), screen: "tunnel", focus: "port" });
  await frameWith(r, "› UDP port: 51000");
  await type(r, "0");
  const bad = await frameWith(r, "is not a port");
  assert.ok(flat(bad).includes(messageOf(checkPort("510000"))));
  await press(r, KEY.backspace, KEY.enter, KEY.enter, KEY.enter, KEY.enter);
  const psk = await frameWith(r, "never shown");
  assert.match(psk, /› off {2}as in the reference/);
  await press(r, KEY.down, KEY.enter);
  const gateways = await frameWith(r, "[3 Gateways]");
  assert.match(gateways, /SSH target of alpha's gateway/);
  await press(r, KEY.esc);
  assert.match(await frameWith(r, "[2 Tunnel]"), /Preshared key/);
  await frameWith(r, /› on {3}an extra symmetric key/);
});

test("gateways screen: SSH config aliases offered; the endpoint follows a public SSH host", async () => {
  const { r } = renderWizard({ ...fresh(), screen: "tunnel", focus: "psk" });
  await frameWith(r, "Preshared key");
  await press(r, KEY.enter);
  const list = await frameWith(r, "alpha-gw  (root@192.0.2.1)");
  assert.match(list, /Host aliases from \/lab\/ssh_config: alpha-gw, beta-gw/);
  assert.match(list, /beta-gw {2}\(ops@192\.0\.2\.2:2222\)/);
  assert.match(list, /type \[user@\]host\[:port\]…/);
  assert.match(list, /Public endpoint of alpha: 192\.0\.2\.1/);
  await press(r, KEY.down);
  await frameWith(r, "Public endpoint of alpha: 192.0.2.2");
  await press(r, KEY.down, KEY.enter);
  await frameWith(r, /› SSH target of alpha's gateway: beta-gw/);
  await press(r, ...Array.from({ length: 7 }, () => KEY.backspace));
  await type(r, "root@198.51.100.7:2222");
  const typed = await frameWith(r, "Public endpoint of alpha: 198.51.100.7");
  assert.doesNotMatch(typed, /✖/);
  await press(r, KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace);
  await type(r, ":99999");
  await frameWith(r, "port 99999 is out of range; use 1 to 65535");
});
