/** What to run: a shell script with a complete, explicit environment. */
export interface ProcessSpec {
  script: string;
  cwd: string;
  /** The whole environment of the process; nothing is inherited. */
  env: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Secret patterns to mask in everything the process prints. */
  secrets: readonly string[];
  /** Receives output already masked. */
  onOutput(text: string, stream: 'stdout' | 'stderr'): void;
  /** Called once the process group exists, before any output. */
  onStart?(pgid: number): void;
}

export interface ProcessResult {
  /** Exit code, or null when ended by a signal. */
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
}

/** A background process (a stage service). */
export interface RunningProcess {
  readonly pgid: number;
  readonly exited: Promise<ProcessResult>;
  /** SIGTERM to the group, SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<ProcessResult>;
}

/** Runs shell steps; the local executor uses process groups on this machine. */
export interface Executor {
  readonly name: string;
  run(spec: ProcessSpec): Promise<ProcessResult>;
  start(spec: ProcessSpec): RunningProcess;
}
