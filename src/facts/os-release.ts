import { defineFact } from "./fact.ts";

export const osRelease = defineFact({
  id: "os-release",
  command: () => "cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release",
  parse: (out) => {
    const values = new Map<string, string>();
    for (const line of out.split("\n")) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m && !values.has(m[1]!)) values.set(m[1]!, m[2]!.replace(/^["']|["']$/g, ""));
    }
    return {
      id: values.get("ID") ?? "unknown",
      idLike: (values.get("ID_LIKE") ?? "").split(/\s+/).filter(Boolean),
      versionId: values.get("VERSION_ID") ?? "",
      prettyName: values.get("PRETTY_NAME") ?? values.get("NAME") ?? "unknown Linux",
    };
  },
});
