import { useStdout } from "ink";
import { useEffect, useState } from "react";

/** The terminal's height, kept current on resize; undefined when the output has none (a pipe, a test). */
export function useTerminalRows(): number | undefined {
  const stdout = useStdout().stdout as NodeJS.WriteStream;
  const [rows, setRows] = useState<number | undefined>(stdout.rows || undefined);
  useEffect(() => {
    const onResize = () => setRows(stdout.rows || undefined);
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout]);
  return rows;
}
