// The issue-15 target, measured here rather than asserted in tests: any site file up to the limits is
// judged (read, decoded, parsed, validated) in well under 1 s. Run: bun bench/hostile-input.ts
import { loadSite } from "../src/core/load-site.ts";
import { decodeSiteText } from "../src/flows/read-site.ts";

const ref = await Bun.file(new URL("../examples/alpha-beta.yaml", import.meta.url)).text();
const files: Record<string, string> = {
  "50,000 tunnel keys": `tunnel:\n${Array.from({ length: 50_000 }, (_, i) => `  k${i}: 1`).join("\n")}\n`,
  "20,000 sites (flow)": `sites: {${Array.from({ length: 20_000 }, (_, i) => `s${i}: {}`).join(", ")}}\n`,
  "1,999 lines of keys": `tunnel:\n${Array.from({ length: 1_998 }, (_, i) => `  k${i}: 1`).join("\n")}\n`,
  "4,900 structure chars": `tunnel: {${Array.from({ length: 2_400 }, (_, i) => `k${i}: 1`).join(", ")}}\n`,
  "1 MiB endpoint": ref.replace("endpoint: 192.0.2.1", `endpoint: "${"x".repeat(1024 * 1024 - 600)}"`),
  "billion laughs": `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n`,
};
for (const [name, text] of Object.entries(files)) {
  const start = performance.now();
  const decoded = decodeSiteText(Buffer.from(text));
  const result = decoded.ok ? loadSite(decoded.text) : undefined;
  const ms = performance.now() - start;
  console.log(`${name.padEnd(24)} ${ms.toFixed(1).padStart(8)} ms  ${result?.ok ? "accepted" : "refused"}`);
}
