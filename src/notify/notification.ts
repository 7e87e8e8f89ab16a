/** What people can be told about, by subscription. `message` is an explicit `uses: notify`. */
export const NOTIFY_EVENTS = [
  'run.started',
  'run.succeeded',
  'run.failed',
  'gate.denied',
  'gate.warned',
  'approval.waiting',
  'rollout.started',
  'rollout.paused',
  'rollout.promoted',
  'rollout.completed',
  'rollout.rolled-back',
  'rollout.aborted',
  'data-plane.lost',
  'message',
] as const;
/** One of NOTIFY_EVENTS. */
export type NotifyEventName = (typeof NOTIFY_EVENTS)[number];

/** Something to tell people: the same facts every notifier renders its own way. */
export interface Notification {
  event: NotifyEventName;
  /** One line, e.g. "checkout-api: run #12 succeeded in 3m 12s". */
  title: string;
  /** More detail (a reason, the failed steps), may be empty. */
  text: string;
  service: string;
  environment?: string;
  runId?: number;
  rolloutId?: string;
  /** Why it failed or rolled back, when it did. */
  reason?: string;
  /** When the run (or rollout) started, ISO 8601. */
  startedAt?: string;
  /** How long the run (or rollout) took so far or in all. */
  durationMs?: number;
  sha?: string;
  at: string;
}

/** Formats milliseconds as people read a duration: 850ms, 42s, 3m 12s, 1h 5m. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m}m` : `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
}
