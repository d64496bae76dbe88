import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterEach, test } from "node:test";
import { cleanup, type render } from "ink-testing-library";
import { loadSite, parseSiteYaml } from "../../src/core/load-site.ts";
import type { Site } from "../../src/core/site.ts";
import { siteToYaml } from "../../src/core/site-yaml.ts";
import type { ApplyEvent, ApplyReport, Emit } from "../../src/remote/events.ts";
import { answersFromFile, DEFAULT_ANSWERS, siteCount, siteOf, type Answers } from "../../src/ui/answers.ts";
import { initialState } from "../../src/ui/state.ts";
import type { SshAlias } from "../../src/ui/ssh-aliases.ts";
import { frame, frameWhere, frameWith, KEY, lastFrameWith, press, type } from "./helpers/drive.ts";
import { fakeServices, scriptedApply } from "./helpers/fake-services.ts";
import { FRESH, SETTINGS } from "./helpers/fixtures.ts";
import { renderWizard } from "./helpers/render-wizard.tsx";

afterEach(() => cleanup());

type Rendered = ReturnType<typeof render>;

/** A frame's text with every wrap undone, for sentences wider than the test terminal. */
const oneLine = (text: string) => text.replace(/\s+/g, " ");

const NAMES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
const ALIASES: readonly SshAlias[] = NAMES.map((n, i) => ({ name: `${n}-gw`, hostName: `192.0.2.${i + 1}`, user: "root", port: 22 }));

/** Every gateway answers with a bare Debian's facts, whatever the number of sites. */
const manyServices = (apply?: (site: Site, emit: Emit) => Promise<ApplyReport>) =>
  fakeServices({
    connect: async (site, _prompts, emit) => {
      for (const def of site.sites) emit({ type: "facts", site: def.name, facts: FRESH });
      return { facts: site.sites.map(() => FRESH), blockers: [] };
    },
    ...(apply ? { apply } : {}),
  });

/** The terminal as a person has it: columns and rows, told to the app as a resize. */
async function terminalSize(r: Rendered, columns: number, rows: number): Promise<void> {
  Object.defineProperty(r.stdout, "columns", { value: columns, configurable: true, writable: true });
  Object.defineProperty(r.stdout, "rows", { value: rows, configurable: true, writable: true });
  r.stdout.emit("resize");
  // The next frame is drawn for the new size.
  await press(r);
}

function assertFits(text: string, columns: number, rows: number, what: string): void {
  const lines = text.split("\n");
  assert.ok(lines.length <= rows - 1, `${what}: ${lines.length} lines on a ${rows}-row terminal:\n${text}`);
  for (const line of lines) assert.ok(Array.from(line).length <= columns, `${what}: a line wider than ${columns}: ${JSON.stringify(line)}`);
}

/** Answers for `n` sites on the lab's addresses, every one given. */
function filledAnswers(n: number, topology = "mesh"): Answers {
  const answers: Record<string, string> = { ...DEFAULT_ANSWERS, network: "10.10.9.0/29", topology };
  for (let i = 0; i < n; i++) {
    answers[`name${i}`] = NAMES[i]!;
    answers[`lan${i}`] = `10.10.${10 + i}.0/24`;
    answers[`iface${i}`] = `wg${String.fromCharCode(65 + i)}`;
    answers[`ssh${i}`] = `${NAMES[i]}-gw`;
    answers[`endpoint${i}`] = `192.0.2.${i + 1}`;
  }
  return answers as Answers;
}

const savedSite = (text: string): Site => {
  const parsed = parseSiteYaml(text);
  assert.ok(parsed.ok);
  const site = loadSite(text);
  assert.ok(site.ok, JSON.stringify(!site.ok && site.problems));
  return site.site;
};

/** Enter until the frame shows `text` (each Enter accepts a field as it is), at most `max` times. */
async function enterUntil(r: Rendered, text: string, max = 30): Promise<string> {
  for (let i = 0; i < max; i++) {
    if (frame(r).includes(text)) return frame(r);
    await press(r, KEY.enter);
  }
  return frameWith(r, text);
}

test("a 3-site mesh from scratch: + adds gamma with the next LAN and interface, the transfer net grows to a /29; saved, it loads as the same mesh", { timeout: 30000 }, async () => {
  const services = manyServices();
  const { r } = renderWizard(initialState({ aliases: ALIASES, settings: SETTINGS }), services);
  await frameWith(r, "› Name of the first site: alpha");
  await press(r, KEY.tab, KEY.tab, KEY.tab);
  const lan = await frameWith(r, "› LAN networks of beta");
  assert.match(lan, /\+ add a site/, "the key is named where it is useful");
  await type(r, "+");
  const added = await frameWith(r, "› Name of site 3: gamma");
  assert.match(added, /^ {2}LAN networks of beta: 10\.10\.11\.0\/24$/m, "the + is not kept in the LAN");
  assert.match(added, /^ {2}LAN networks of gamma: 10\.10\.12\.0\/24$/m);
  assert.match(added, /3 sites on 10\.10\.9\.0\/29, mesh, every pair direct/);
  assert.match(added, /alpha 10\.10\.9\.1 · beta 10\.10\.9\.2 · gamma 10\.10\.9\.3/);
  // Sloppy: empty Enters take every default, the topology's first choice (mesh) and "go on".
  await press(r, KEY.enter, KEY.enter);
  const topology = await frameWith(r, "› Topology:");
  assert.match(topology, /› mesh {2}every gateway a peer of every other\n {4}hub alpha/);
  await press(r, KEY.enter);
  const more = await frameWith(r, "› Sites:");
  assert.match(more, /› go on with these 3 sites\n {4}add a site\n {4}remove alpha\n {4}remove beta\n {4}remove gamma/);
  await press(r, KEY.enter);
  const tunnel = await frameWith(r, "[2 Tunnel]");
  assert.match(tunnel, /10\.10\.9\.0\/29 {2}room for 6 gateways/);
  await enterUntil(r, "› WireGuard interface on gamma: wgC");
  await enterUntil(r, "[3 Gateways]");
  // Each SSH target picked from the aliases; the endpoint follows it (a public address).
  await frameWith(r, "› SSH target of alpha's gateway");
  await press(r, KEY.enter, KEY.enter);
  await frameWith(r, "› SSH target of beta's gateway");
  await press(r, KEY.down, KEY.enter);
  await frameWith(r, "› Public endpoint of beta: 192.0.2.2");
  await press(r, KEY.enter);
  await frameWith(r, "› SSH target of gamma's gateway");
  await press(r, KEY.down, KEY.down, KEY.enter);
  await frameWith(r, "› Public endpoint of gamma: 192.0.2.3");
  await press(r, KEY.enter);
  await frameWith(r, "All 3 gateways are ready");
  await press(r, KEY.enter);
  const review = await frameWith(r, "Plan for [alpha] beta gamma");
  assert.match(review, /Apply the plan to all 3 gateways/);
  await press(r, KEY.right);
  await frameWith(r, "Plan for alpha [beta] gamma");
  await press(r, KEY.left, KEY.left);
  await frameWith(r, "Plan for alpha beta [gamma]", 3000);
  await press(r, KEY.enter);
  await frameWith(r, "[6 Done]");
  assert.match(frame(r), /Tunnels of 3 sites, mesh: alpha, beta, gamma: up and verified/);
  assert.match(frame(r), /› Save the site file as: \.\/alpha-and-2-more\.yaml/);
  await press(r, KEY.enter);
  await lastFrameWith(r, "Site file saved");
  const text = services.saved.get("./alpha-and-2-more.yaml") ?? "";
  assert.match(text, /^# wgsite site file: 3 sites, mesh: alpha, beta, gamma$/m);
  const site = savedSite(text);
  assert.deepEqual(site.sites.map((s) => [s.name, s.lan[0]!.text, s.interface, s.ssh, s.endpoint.host]), [
    ["alpha", "10.10.10.0/24", "wgA", "alpha-gw", "192.0.2.1"],
    ["beta", "10.10.11.0/24", "wgB", "beta-gw", "192.0.2.2"],
    ["gamma", "10.10.12.0/24", "wgC", "gamma-gw", "192.0.2.3"],
  ]);
  assert.equal(site.tunnel.network.text, "10.10.9.0/29");
  assert.equal(site.topology, undefined, "mesh, the default, is not written");
});

test("hub and spoke: the hub chosen from the sites, a spoke with endpoint: none; a duplicate name and an empty name are refused with their fix", { timeout: 30000 }, async () => {
  const services = manyServices();
  const { r } = renderWizard(initialState({ answers: filledAnswers(4), aliases: ALIASES, settings: SETTINGS }), services);
  await frameWith(r, "› Name of site 1: alpha");
  // gamma renamed to alpha: refused, the message names the other site.
  await enterUntil(r, "› Name of site 3: gamma");
  await press(r, ...Array.from({ length: 5 }, () => KEY.backspace));
  await press(r, KEY.enter);
  assert.match(frame(r), /› Name of site 3:\s*$/m, "an empty name does not move on");
  await type(r, "alpha");
  const duplicate = await frameWith(r, 'site 1 is named "alpha" too');
  assert.match(duplicate, /give each site its own name/);
  await press(r, KEY.enter);
  assert.match(frame(r), /› Name of site 3: alpha/, "still on the duplicate");
  await press(r, ...Array.from({ length: 5 }, () => KEY.backspace));
  await type(r, "gamma");
  await enterUntil(r, "› Topology:");
  await press(r, KEY.down);
  const hub = await frameWith(r, "4 sites on 10.10.9.0/29, hub alpha");
  assert.match(hub, /› hub alpha {2}the others reach each other through alpha/);
  await press(r, KEY.enter, KEY.enter);
  await frameWith(r, "[2 Tunnel]");
  await enterUntil(r, "[3 Gateways]");
  await enterUntil(r, "› Public endpoint of delta: 192.0.2.4");
  await press(r, ...Array.from({ length: 9 }, () => KEY.backspace));
  await type(r, "none");
  const none = await frameWith(r, "› Public endpoint of delta: none");
  assert.match(oneLine(none), /none: behind NAT, it only reaches out/);
  await press(r, KEY.enter);
  await frameWith(r, "All 4 gateways are ready");
  await press(r, KEY.enter);
  const review = await frameWith(r, "Plan for [alpha] beta gamma delta");
  assert.doesNotMatch(review, /Endpoint = none/);
  await press(r, KEY.enter);
  await frameWith(r, "[6 Done]");
  await press(r, KEY.enter);
  await lastFrameWith(r, "Site file saved");
  const site = savedSite(services.saved.get("./alpha-and-3-more.yaml") ?? "");
  assert.deepEqual(site.topology, { kind: "hub", hub: "alpha" });
  assert.equal(site.sites[3]!.endpoint.host, undefined);
});

test("removing the hub site: the sites become a mesh, said on screen, the topology focused to pick another hub; two sites always remain", { timeout: 30000 }, async () => {
  const { r } = renderWizard(initialState({ answers: filledAnswers(4, "hub:gamma"), aliases: ALIASES, settings: SETTINGS }));
  await frameWith(r, "4 sites on 10.10.9.0/29, hub gamma");
  await enterUntil(r, "› Sites:");
  await press(r, KEY.down, KEY.down, KEY.down, KEY.down);
  await frameWith(r, "› remove gamma");
  await press(r, KEY.enter);
  const mesh = await frameWith(r, "gamma was the hub and is removed");
  assert.match(oneLine(mesh), /the sites are a mesh now; pick another hub here if they should be one/);
  assert.match(mesh, /3 sites on 10\.10\.9\.0\/29, mesh/);
  assert.match(mesh, /› Topology:\n {2}› mesh/, "the topology is focused, on mesh");
  // Sloppy: another hub picked, then that one removed too; two sites are left, joined directly.
  await press(r, KEY.down, KEY.down);
  await frameWith(r, "3 sites on 10.10.9.0/29, hub beta");
  await press(r, KEY.enter);
  await frameWith(r, "› Sites:");
  await press(r, KEY.down, KEY.down, KEY.down);
  await frameWith(r, "› remove beta");
  await press(r, KEY.enter);
  const removed = await frameWith(r, "beta was the hub and is removed");
  assert.match(oneLine(removed), /the two sites left are joined directly/);
  // Back to two sites: the reference screen, a /31 transfer net again.
  assert.match(removed, /alpha 10\.10\.10\.0\/24 ─ wgA 10\.10\.9\.0 ══ 10\.10\.9\.0\/31 ══ 10\.10\.9\.1 wgD ─ 10\.10\.13\.0\/24 delta/);
  assert.doesNotMatch(removed, /Topology|remove alpha/, "with two sites there is nothing left to remove");
  assert.match(removed, /Name of the second site: delta/);
});

test("an N-site file edited in the wizard: every site loaded, one added, one removed, saved; the hub and endpoint: none kept", { timeout: 30000 }, async () => {
  const raw = parseSiteYaml(readFileSync("examples/hub.yaml", "utf8"));
  assert.ok(raw.ok);
  const { answers, extras } = answersFromFile(raw.raw);
  assert.equal(siteCount(answers), 4, "no site dropped");
  const services = manyServices();
  const { r } = renderWizard(initialState({ answers, extras, aliases: [], settings: SETTINGS }), services);
  const first = await frameWith(r, "4 sites on 10.10.9.0/29, hub alpha");
  assert.match(first, /LAN networks of delta: 10\.10\.13\.0\/24/);
  await enterUntil(r, "› Sites:");
  await press(r, KEY.down);
  await frameWith(r, "› add a site");
  await press(r, KEY.enter);
  await frameWith(r, "› Name of site 5: epsilon");
  assert.match(frame(r), /LAN networks of epsilon: 10\.10\.14\.0\/24/);
  await enterUntil(r, "› Sites:");
  // remove beta: the second "remove" entry (go on, add, remove alpha, remove beta).
  await press(r, KEY.down, KEY.down, KEY.down);
  await frameWith(r, "› remove beta");
  await press(r, KEY.enter);
  const after = await frameWith(r, "beta removed");
  assert.match(after, /4 sites on 10\.10\.9\.0\/29, hub alpha/);
  assert.match(after, /alpha 10\.10\.9\.1 · gamma 10\.10\.9\.2 · delta 10\.10\.9\.3 · epsilon 10\.10\.9\.4/);
  await press(r, KEY.enter);
  await enterUntil(r, "[3 Gateways]");
  await enterUntil(r, "› SSH target of epsilon's gateway");
  await type(r, "root@203.0.113.50");
  // A public address typed as the SSH target is the endpoint too, until the endpoint is edited.
  await frameWith(r, "  Public endpoint of epsilon: 203.0.113.50");
  await enterUntil(r, "All 4 gateways are ready");
  await press(r, KEY.enter);
  await frameWith(r, "Plan for [alpha] gamma delta epsilon");
  await press(r, KEY.enter);
  await frameWith(r, "[6 Done]");
  await press(r, KEY.enter);
  await lastFrameWith(r, "Site file saved");
  const site = savedSite(services.saved.get("./alpha-and-3-more.yaml") ?? "");
  assert.deepEqual(site.sites.map((s) => s.name), ["alpha", "gamma", "delta", "epsilon"]);
  assert.deepEqual(site.topology, { kind: "hub", hub: "alpha" });
  assert.equal(site.sites[2]!.endpoint.host, undefined, "delta stays behind NAT");
  assert.equal(site.sites[3]!.ssh, "root@203.0.113.50");
  assert.equal(site.firewall.restrictPort, false, "the file's firewall is kept");
});

test("load → wizard → save gives the same site: both examples, a key age limit, mtu and block rules", () => {
  for (const path of ["examples/mesh.yaml", "examples/hub.yaml", "examples/alpha-beta.yaml"]) {
    const text = readFileSync(path, "utf8");
    const raw = parseSiteYaml(text);
    assert.ok(raw.ok);
    const loaded = loadSite(text);
    assert.ok(loaded.ok, path);
    const { answers, extras } = answersFromFile(raw.raw);
    const wizard = siteOf(answers, extras);
    assert.ok(wizard.ok, `${path}: ${JSON.stringify(!wizard.ok && wizard.problems)}`);
    assert.equal(siteToYaml(wizard.site), siteToYaml(loaded.site), path);
  }
  const extra = [
    "tunnel: { network: 10.10.9.0/28, port: 51001, keepalive: 25, mtu: 1380, presharedKey: true }",
    "topology: { hub: c }",
    "sites:",
    ...["a", "b", "c", "d", "e", "f", "g"].flatMap((n, i) => [`  ${n}:`, `    lan: [10.20.${i}.0/24]`, `    endpoint: ${i === 6 ? "none" : `198.51.100.${i + 1}`}`, `    interface: wg${i}`, `    ssh: root@198.51.100.${i + 1}`]),
    "firewall: { restrictPort: true, block: [{ proto: tcp, port: 22 }] }",
    "keys: { maxAgeDays: 365 }",
    "",
  ].join("\n");
  const raw = parseSiteYaml(extra);
  assert.ok(raw.ok);
  const loaded = loadSite(extra);
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
  const { answers, extras } = answersFromFile(raw.raw);
  const wizard = siteOf(answers, extras);
  assert.ok(wizard.ok);
  assert.deepEqual(wizard.site, loaded.site);
});

const STEP_EVENTS = (names: readonly string[]): ApplyEvent[] =>
  names.flatMap((site, i): ApplyEvent[] => [
    { type: "step-start", site, step: "install", title: "Install wireguard-tools, wireguard-go, iptables" },
    { type: "step-done", site, step: "install", title: "Install wireguard-tools, wireguard-go, iptables", ms: 2000 + i * 100, changed: true },
    { type: "step-start", site, step: "keys", title: `Generate the private key /etc/wireguard/wg${String.fromCharCode(65 + i)}.key on the gateway` },
  ]);

test("six sites on an 80x24 terminal: each gateway's plan in turn (←/→), the apply view one row per gateway; nothing wider or taller", { timeout: 30000 }, async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const report: ApplyReport = { ok: true, gateways: NAMES.map((site, i) => ({ site, interface: `wg${String.fromCharCode(65 + i)}`, changed: true, steps: [], checks: [] })) };
  const services = manyServices(async (site, emit) => {
    await scriptedApply(STEP_EVENTS(NAMES), report)(site, emit);
    await held;
    const checks = NAMES.flatMap((name): ApplyEvent[] => [
      { type: "check", site: name, id: "handshake", ok: true, detail: "0 s ago" },
      { type: "check", site: name, id: "lan-ping", ok: true, detail: "every other site's LAN answers" },
    ]);
    return scriptedApply(checks, report)(site, emit);
  });
  const { r } = renderWizard(initialState({ answers: filledAnswers(6), aliases: ALIASES, settings: SETTINGS }), services);
  await terminalSize(r, 80, 24);
  const sites = await frameWith(r, "› Name of site 1: alpha");
  assertFits(sites, 80, 24, "the sites screen (it scrolls)");
  // Resized while on the sites screen: still fits.
  await terminalSize(r, 80, 20);
  await press(r, KEY.tab);
  assertFits(await frameWith(r, "› LAN networks of alpha"), 80, 20, "the sites screen after a resize");
  await terminalSize(r, 80, 24);
  // Straight to the gateways screen's last field, as a rerun of the wizard with every answer given.
  await enterUntil(r, "[2 Tunnel]", 40);
  await enterUntil(r, "[3 Gateways]", 40);
  await enterUntil(r, "All 6 gateways are ready", 40);
  const connect = frame(r);
  assertFits(connect, 80, 24, "the connect screen");
  assert.match(connect, /✔ zeta via zeta-gw {2}Debian GNU\/Linux 12 \(bookworm\) · systemd/);
  await press(r, KEY.enter);
  for (let i = 0; i < NAMES.length; i++) {
    const title = `Plan for ${NAMES.map((n, j) => (j === i ? `[${n}]` : n)).join(" ")}`;
    const review = await frameWith(r, title);
    assertFits(review, 80, 24, `the review of ${NAMES[i]}`);
    assert.match(review, new RegExp(`Steps on ${NAMES[i]} \\(\\d+ to run\\)`));
    assert.match(review, /› Apply the plan to all 6 gateways/);
    assert.match(review, /←\/→ previous\/next gateway/);
    await press(r, KEY.right);
  }
  // Past the last gateway, → comes round to the first.
  await frameWith(r, "Plan for [alpha] beta");
  await press(r, KEY.enter);
  const running = await frameWhere(r, (f) => /^zeta +✔›/m.test(f), "zeta's row with its install done and its keys running");
  assertFits(running, 80, 24, "the apply view");
  assert.match(running, /Applying the plan to all 6 gateways…/);
  for (const name of NAMES) assert.match(running, new RegExp(`^${name} +✔›·+  1/\\d+  Generate the private key`, "m"));
  release();
  const done = await frameWith(r, "[6 Done]");
  assertFits(done, 80, 24, "the done screen");
  assert.match(oneLine(done), /Tunnels of 6 sites, mesh: alpha, beta, gamma, delta, epsilon, zeta: up and verified \(6 gateways changed\)/);
  assert.match(done, /^✔ zeta: 2 of 2 checks passed$/m);
});

test("a file whose hub is none of its sites: said on the topology, which offers the sites; long names keep the review within 80 columns", { timeout: 30000 }, async () => {
  const long = ["headquarters-frankfurt-main", "branch-office-hamburg-north", "warehouse-munich-east-gate"];
  const file = {
    tunnel: { network: "10.10.9.0/29" },
    topology: { hub: "hq" },
    sites: Object.fromEntries(long.map((n, i) => [n, { lan: [`10.10.${10 + i}.0/24`], endpoint: `192.0.2.${i + 1}`, interface: `wg${i}`, ssh: `root@192.0.2.${i + 1}` }])),
  };
  const { answers, extras } = answersFromFile(file);
  const services = manyServices();
  const { r } = renderWizard(initialState({ answers, extras, settings: SETTINGS }), services);
  await terminalSize(r, 80, 40);
  await enterUntil(r, "› Topology:");
  const topology = await frameWith(r, 'the file\'s hub "hq" is not one of the sites; pick the hub here (or mesh)');
  assert.match(topology, /hub headquarters-frankfurt-main/);
  await press(r, KEY.down, KEY.enter, KEY.enter);
  await enterUntil(r, "[2 Tunnel]");
  await enterUntil(r, "[3 Gateways]");
  await enterUntil(r, "All 3 gateways are ready", 20);
  await press(r, KEY.enter);
  const review = await frameWith(r, "Plan for [headquarters-frankfurt-main], gateway 1 of 3");
  assertFits(review.split("\n").slice(0, 3).join("\n"), 80, 40, "the review's title");
  await press(r, KEY.left);
  await frameWith(r, "Plan for [warehouse-munich-east-gate], gateway 3 of 3");
  await press(r, KEY.enter);
  await frameWith(r, "[6 Done]");
  await press(r, KEY.enter);
  await lastFrameWith(r, "Site file saved");
  const site = savedSite(services.saved.get(`./${long[0]}-and-2-more.yaml`) ?? "");
  assert.deepEqual(site.topology, { kind: "hub", hub: long[0] });
});
