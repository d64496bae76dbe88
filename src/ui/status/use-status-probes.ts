import { useEffect, useReducer, useRef, type Dispatch } from "react";
import { startProbeLoops, type ProbeLoops, type ProbeSettings, type Sessions } from "./probe-loops.ts";
import { initialStatus, statusReducer, type StatusEvent, type StatusState } from "./state.ts";

export type { ProbeSettings, Sessions } from "./probe-loops.ts";

export type StatusProbes = {
  readonly state: StatusState;
  readonly dispatch: Dispatch<StatusEvent>;
  /** Probe both gateways now, heavy probes included; also cuts a reconnect wait short. */
  readonly refresh: () => void;
  /** The sessions in use now (a reconnect replaces one). */
  readonly sessions: () => Sessions;
};

/** The probe loops (probe-loops.ts) for as long as the Ink pane is mounted, their events in one reducer. */
export function useStatusProbes(settings: ProbeSettings): StatusProbes {
  const [state, dispatch] = useReducer(statusReducer, settings.site, initialStatus);
  const loops = useRef<ProbeLoops | undefined>(undefined);
  useEffect(() => {
    const started = startProbeLoops(settings, dispatch);
    loops.current = started;
    return () => started.stop();
    // The loops are started once per mount; settings are read when they start.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return {
    state,
    dispatch,
    refresh: () => loops.current?.refresh(),
    sessions: () => loops.current?.sessions() ?? settings.sessions,
  };
}
