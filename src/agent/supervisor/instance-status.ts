/** Where an instance is in its life. */
export const INSTANCE_STATES = [
  'idle',
  'starting',
  'ready',
  'unhealthy',
  'backoff',
  'stopping',
  'stopped',
] as const;

/** One of INSTANCE_STATES. */
export type InstanceState = (typeof INSTANCE_STATES)[number];

/** How the last process of an instance ended. */
export interface LastExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: string;
  readonly at: string;
}

/** A snapshot of one instance, safe to serialise. */
export interface InstanceStatus {
  readonly key: string;
  readonly service: string;
  readonly version: string;
  readonly index: number;
  readonly port: number;
  readonly state: InstanceState;
  /** Restarts since the instance was created. */
  readonly restarts: number;
  /** Whether enough recent restarts lie inside the crash-loop window now. */
  readonly crashLooping: boolean;
  /** Liveness probes that failed in a row so far. */
  readonly livenessFailures: number;
  readonly lastExit: LastExit | null;
  readonly startedAt: string | null;
  readonly readySince: string | null;
  readonly pid: number | null;
  readonly pgid: number | null;
}

/** What an instance reports as it runs; `at` is an ISO timestamp from the injected clock. */
export type InstanceEvent = { readonly key: string; readonly at: string } & (
  | {
      readonly type: 'starting';
      readonly restarts: number;
      readonly pid: number | null;
      readonly pgid: number | null;
    }
  | { readonly type: 'adopted'; readonly pid: number | null; readonly pgid: number }
  | { readonly type: 'ready' }
  | { readonly type: 'unhealthy'; readonly reason: string }
  | {
      readonly type: 'exited';
      readonly code: number | null;
      readonly signal: NodeJS.Signals | null;
      readonly error?: string;
    }
  | { readonly type: 'restarting'; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'crash-loop'; readonly restarts: number; readonly windowMs: number }
  | { readonly type: 'stopped' }
);

/** The names of the events. */
export type InstanceEventType = InstanceEvent['type'];

/** Receives instance events; one that throws never disturbs supervision. */
export type InstanceEventSink = (event: InstanceEvent) => void;
