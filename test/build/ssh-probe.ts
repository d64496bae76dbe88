// Compiled by binary.test.ts into a throwaway executable with build.ts's settings, to show that ssh2
// works inside a single-file executable: its native addons left out, its poly1305 WebAssembly inlined.
//   ssh-probe PORT USER PRIVATE_KEY CIPHER  ->  "cipher <negotiated>" and "exec probe-ok", exit 0
import { readFileSync } from "node:fs";
import { Client } from "ssh2";

const [port, username, key, cipher] = process.argv.slice(2);
const client = new Client();
const fail = (message: string) => {
  process.stderr.write(`ssh-probe: ${message}\n`);
  process.exit(1);
};
client.on("handshake", (negotiated) => process.stdout.write(`cipher ${negotiated.cs.cipher}\n`));
client.on("error", (error) => fail(error.message));
client.on("ready", () => {
  client.exec("echo probe-ok", (error, stream) => {
    if (error) return fail(error.message);
    let out = "";
    stream.on("data", (d: Buffer) => (out += d.toString()));
    stream.stderr.resume();
    stream.on("close", () => {
      process.stdout.write(`exec ${out.trim()}\n`);
      client.end();
    });
  });
});
client.connect({
  host: "127.0.0.1",
  port: Number(port),
  username,
  privateKey: readFileSync(key!),
  algorithms: { cipher: [cipher as "aes128-gcm@openssh.com"] },
  hostVerifier: () => true,
  readyTimeout: 20_000,
});
