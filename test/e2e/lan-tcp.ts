import { spawn } from "node:child_process";
import type { Lab, Site } from "../lab/lab.ts";

/**
 * Connects from one LAN host to a listener on the other (at `target`: its IPv4 address unless given,
 * an IPv6 one too) and returns the address the listener saw, or the client's error (ECONNREFUSED when
 * a REJECT answered).
 */
export async function tcpPeer(lab: Lab, from: Site, to: Site, port: number, target: string = lab.lanHosts[to].ip): Promise<string> {
  const server = spawn("ip", ["netns", "exec", lab.lanHosts[to].ns, process.execPath, "-e",
    `const s = require("net").createServer((c) => { console.log("peer " + c.remoteAddress.replace(/^::ffff:/, "")); c.end(); s.close(); });
     s.listen(${port}, () => console.log("ready")); setTimeout(() => process.exit(0), 8000).unref();`], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const ready = new Promise<void>((resolve) => server.stdout!.on("data", (d: Buffer) => { out += d.toString(); if (out.includes("ready")) resolve(); }));
  const closed = new Promise<void>((resolve) => server.on("close", () => resolve()));
  await Promise.race([ready, new Promise((r) => setTimeout(r, 5000))]);
  const client = await lab.inNs(lab.lanHosts[from].ns, [process.execPath, "-e",
    `const c = require("net").connect(${port}, "${target}", () => c.end());
     c.on("close", () => process.exit(0)); c.on("error", (e) => { console.log(e.code); process.exit(1); }); setTimeout(() => { console.log("timeout"); process.exit(1); }, 4000);`], { timeoutMs: 10_000 });
  if (client.code !== 0) {
    server.kill();
    await closed;
    return client.stdout.trim();
  }
  await closed;
  return /peer (\S+)/.exec(out)?.[1] ?? `no connection seen: ${out}`;
}
