import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_ANSWERS, fieldProblems, siteCount, siteOf, type Answers } from "../../src/ui/answers.ts";
import { addSite, removeSite, transferNetFor } from "../../src/ui/site-list.ts";
import { update } from "../../src/ui/reducer.ts";
import { initialState } from "../../src/ui/state.ts";
import { ALIASES, FILLED, SETTINGS } from "./helpers/fixtures.ts";

const many = (n: number): Answers => {
  let answers: Answers = FILLED;
  while (siteCount(answers) < n) answers = addSite(answers);
  return answers;
};

test("adding sites: Greek names, the next free /24, wgC, wgD…, the transfer net grown to hold every gateway", () => {
  const answers = many(7);
  assert.deepEqual(
    Array.from({ length: 7 }, (_, i) => [answers[`name${i}`], answers[`lan${i}`], answers[`iface${i}`]]),
    [
      ["alpha", "10.10.10.0/24", "wgA"],
      ["beta", "10.10.11.0/24", "wgB"],
      ["gamma", "10.10.12.0/24", "wgC"],
      ["delta", "10.10.13.0/24", "wgD"],
      ["epsilon", "10.10.14.0/24", "wgE"],
      ["zeta", "10.10.15.0/24", "wgF"],
      ["eta", "10.10.16.0/24", "wgG"],
    ],
  );
  assert.equal(many(3).network, "10.10.9.0/29");
  assert.equal(answers.network, "10.10.9.0/28", "seven gateways need a /28");
  assert.equal(transferNetFor("10.10.9.0/30", 2), "10.10.9.0/30", "a /30 chosen for two stays");
  assert.equal(transferNetFor("10.10.9.0/24", 6), "10.10.9.0/24", "a net large enough stays");
  assert.equal(transferNetFor("not a net", 6), "not a net", "left for its validator");
});

test("a new site's LAN skips the LANs taken and the transfer net", () => {
  const answers = addSite({ ...FILLED, lan1: "10.10.11.0/24, 10.10.12.0/23" });
  assert.equal(answers.lan2, "10.10.14.0/24");
});

test("removing a site moves the later ones up and keeps at least two; the hub's removal leaves a mesh", () => {
  const answers = { ...many(4), topology: "hub:gamma" };
  const { answers: without, hubRemoved } = removeSite(answers, 2);
  assert.equal(hubRemoved, true);
  assert.equal(without.topology, "mesh");
  assert.deepEqual([without.name0, without.name1, without.name2, without.name3], ["alpha", "beta", "delta", undefined]);
  assert.equal(without.lan2, "10.10.13.0/24");
  const two = removeSite(without, 0).answers;
  assert.equal(siteCount(two), 2);
  assert.equal(two.network, "10.10.9.0/31", "two sites: the reference's /31 again");
  assert.equal(removeSite(two, 0).answers, two, "two sites stay");
});

test("answers for more sites are judged like the file: duplicate names, two sites without endpoints in a mesh, a transfer net too small", () => {
  const answers = many(3);
  assert.match(fieldProblems({ ...answers, name2: "beta" }).name2 ?? "", /site 2 is named "beta" too; give each site its own name/);
  const none = { ...answers, ssh2: "root@203.0.113.9", endpoint1: "none", endpoint2: "none" };
  assert.match(Object.values(fieldProblems(none)).join("\n"), /beta.*and.*gamma.*both have endpoint: none.*topology: \{ hub: alpha \}/);
  assert.match(fieldProblems({ ...answers, network: "10.10.9.0/30" }).network ?? "", /holds 2 gateway addresses, and the file has 3 sites/);
  const hub = siteOf({ ...none, topology: "hub:alpha" });
  assert.ok(hub.ok, "around a hub with an endpoint, two spokes behind NAT are fine");
  assert.deepEqual(hub.site.topology, { kind: "hub", hub: "alpha" });
});

test("renaming the hub's site keeps it the hub; Enter on the sites list adds once, even when the list's own Enter comes late", () => {
  let state = initialState({ answers: { ...many(3), topology: "hub:gamma" }, aliases: ALIASES, settings: SETTINGS });
  state = update(state, { type: "edit", field: "name2", value: "gammax" }).state;
  assert.equal(state.answers.topology, "hub:gammax");
  // A second site of the hub's name, renamed again: the hub stays with the first.
  const twin = update(update(state, { type: "edit", field: "name1", value: "gammax" }).state, { type: "edit", field: "name1", value: "gammay" }).state;
  assert.equal(twin.answers.topology, "hub:gammax");
  state = { ...state, focus: "more" };
  state = update(state, { type: "edit", field: "more", value: "add" }).state;
  state = update(state, { type: "next" }).state;
  state = update(state, { type: "edit", field: "more", value: "add" }).state;
  assert.equal(siteCount(state.answers), 4);
  assert.equal(state.focus, "name3");
  assert.equal(state.answers.more, "keep");
  assert.equal(state.gateways.length, 4);
});

test("+ typed in a name or LAN adds a site and is not kept; elsewhere it is just a character", () => {
  const state = initialState({ answers: DEFAULT_ANSWERS, settings: SETTINGS });
  const added = update(state, { type: "edit", field: "lan1", value: "10.10.11.0/24+" }).state;
  assert.equal(added.answers.lan1, "10.10.11.0/24");
  assert.equal(added.answers.name2, "gamma");
  assert.equal(added.focus, "name2");
  const tunnel = update({ ...state, screen: "tunnel", focus: "port" }, { type: "edit", field: "port", value: "51000+" }).state;
  assert.equal(tunnel.answers.port, "51000+");
  assert.equal(siteCount(tunnel.answers), 2);
});
