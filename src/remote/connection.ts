/** What a command run on a gateway returned. */
export type ExecResult = {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
};

export type ExecOptions = {
  /** Written to the command's stdin, then closed (sudo passwords, file contents: never in argv). */
  readonly stdin?: string;
  /** Milliseconds before the command is abandoned with an error. */
  readonly timeoutMs?: number;
  /** Called with each chunk of stdout as it arrives, for progress lines of a long batch. */
  readonly onStdout?: (chunk: string) => void;
  /** Keeps the command's stdin open until this settles (after `stdin` is written), e.g. to hold a lock. */
  readonly holdStdin?: Promise<void>;
  /** Receives a writer for more stdin after `stdin`, for as long as `holdStdin` keeps it open (a conversation with a remote loop). */
  readonly feedStdin?: (write: (text: string) => void) => void;
};

/** One session with one gateway, held for a whole run; every call is one round trip. */
export interface Connection {
  readonly label: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
  /** Round trips (exec calls) and bytes so far, for benchmarks and the live pane. */
  readonly stats: { roundTrips: number; bytesIn: number; bytesOut: number; connections: number };
}
