import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli } from "../helpers/run-cli.ts";

test("status without a site file: exit 2 before anything connects", () => {
  const r = runCli(["status", "--once"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /status needs the site file: -c FILE/);
});

test("status with a site file that is not there: exit 2", () => {
  const r = runCli(["status", "-c", "test/fixtures/status/no-such-site.yaml", "--json"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no-such-site\.yaml: cannot read the site file/);
  assert.equal(r.stdout, "");
});

test("status alert flags: the combinations that make no sense exit 2 before anything connects", () => {
  const site = "examples/alpha-beta.yaml";
  const cases: [string[], RegExp][] = [
    [["status", "-c", site, "--exit-on-red"], /--exit-on-red goes with --watch/],
    [["status", "-c", site, "--watch", "--once"], /--watch keeps probing; --once prints one snapshot/],
    [["status", "-c", site, "--watch", "--prometheus"], /--watch keeps probing; --prometheus prints one snapshot/],
    [["status", "-c", site, "--once", "--prometheus", "--json"], /--prometheus and --json are two output formats/],
    [["plan", "-c", site, "--prometheus"], /--prometheus does nothing for plan; it goes with status/],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, message);
    assert.equal(r.stdout, "");
  }
});
