/** Signals that end a long-running status (a pane, --watch) the way q does, with their shell exit code 128+N. */
const STOP_SIGNALS = [["SIGTERM", 15], ["SIGHUP", 1], ["SIGINT", 2]] as const;

/** Calls `stop` with 128+N when one of them arrives; returns the function that stops listening. */
export function onStopSignal(stop: (code: number) => void): () => void {
  const handlers = STOP_SIGNALS.map(([signal, n]) => {
    const handler = () => stop(128 + n);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
