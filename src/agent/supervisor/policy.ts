/** How an instance is restarted after it exits or fails its probes, and when that is a crash loop. */
export interface RestartPolicy {
  /** Delay before the first restart after a stable run. */
  readonly initialDelayMs: number;
  /** Each further restart waits this many times longer than the one before. */
  readonly multiplier: number;
  /** The delay never exceeds this. */
  readonly maxDelayMs: number;
  /** A run at least this long counts as stable: the next failure starts the backoff over. */
  readonly resetAfterMs: number;
  /** This many restarts inside `crashLoopWindowMs` is a crash loop (the seeds: 3 in 5 minutes). */
  readonly crashLoopRestarts: number;
  readonly crashLoopWindowMs: number;
}

/** The seeds' crash loop (3 restarts within 5 minutes) with a Kubernetes-like backoff. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = Object.freeze({
  initialDelayMs: 1000,
  multiplier: 2,
  maxDelayMs: 30_000,
  resetAfterMs: 60_000,
  crashLoopRestarts: 3,
  crashLoopWindowMs: 5 * 60_000,
});

/** Problems with a restart policy, as lowercase messages naming the bad value; empty when valid. */
export function restartPolicyProblems(policy: RestartPolicy): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, field: keyof RestartPolicy, expected: string) => {
    if (!ok) problems.push(`restart.${field} must be ${expected}, got ${String(policy[field])}`);
  };
  const nonNegative = (v: number) => Number.isFinite(v) && v >= 0;
  check(nonNegative(policy.initialDelayMs), 'initialDelayMs', 'a number >= 0');
  check(Number.isFinite(policy.multiplier) && policy.multiplier >= 1, 'multiplier', 'a number >= 1');
  check(nonNegative(policy.maxDelayMs), 'maxDelayMs', 'a number >= 0');
  check(nonNegative(policy.resetAfterMs), 'resetAfterMs', 'a number >= 0');
  check(
    Number.isInteger(policy.crashLoopRestarts) && policy.crashLoopRestarts >= 1,
    'crashLoopRestarts',
    'an integer >= 1',
  );
  check(nonNegative(policy.crashLoopWindowMs), 'crashLoopWindowMs', 'a number >= 0');
  return problems;
}

/** What the restart policy remembers about one instance. Times are epoch milliseconds. */
export interface RestartState {
  /** Restarts since the backoff last reset. */
  readonly attempt: number;
  /** Restarts since the instance was created. */
  readonly restarts: number;
  /** Times of the restarts still inside the crash-loop window, oldest first. */
  readonly recent: readonly number[];
  /** Whether the last restart completed a crash loop. */
  readonly crashLooping: boolean;
  /** When the current process started; null while none runs. */
  readonly startedAt: number | null;
}

/** The state of an instance that has never run. */
export const NEW_RESTART_STATE: RestartState = Object.freeze({
  attempt: 0,
  restarts: 0,
  recent: Object.freeze([]),
  crashLooping: false,
  startedAt: null,
});

/** The delay before restart number `attempt` (0-based since the last reset): exponential, capped. */
export function backoffDelay(policy: RestartPolicy, attempt: number): number {
  const delay = policy.initialDelayMs * policy.multiplier ** attempt;
  return Math.min(policy.maxDelayMs, Number.isFinite(delay) ? delay : policy.maxDelayMs);
}

/** Records that a process of the instance started at `now`. */
export function recordStart(state: RestartState, now: number): RestartState {
  return { ...state, startedAt: now };
}

/** What to do after a process exited or was killed as unhealthy. */
export interface RestartDecision {
  readonly state: RestartState;
  /** 1-based count of restarts since the backoff last reset. */
  readonly attempt: number;
  readonly delayMs: number;
  /** Set only when this restart starts a crash loop: it is reported once per loop. */
  readonly crashLoop: { readonly restarts: number; readonly windowMs: number } | null;
}

/**
 * Records a failure at `now` and decides the restart: the backoff starts over after a stable run,
 * and the restart that brings the count inside the window to `crashLoopRestarts` reports a crash loop.
 * @example recordFailure(NEW_RESTART_STATE, DEFAULT_RESTART_POLICY, Date.now()).delayMs // 1000
 */
export function recordFailure(state: RestartState, policy: RestartPolicy, now: number): RestartDecision {
  const stable = state.startedAt !== null && now - state.startedAt >= policy.resetAfterMs;
  const attempt = stable ? 0 : state.attempt;
  const recent = [...inWindow(state.recent, policy, now), now];
  const crashLooping = recent.length >= policy.crashLoopRestarts;
  return {
    state: { attempt: attempt + 1, restarts: state.restarts + 1, recent, crashLooping, startedAt: null },
    attempt: attempt + 1,
    delayMs: backoffDelay(policy, attempt),
    crashLoop:
      crashLooping && !state.crashLooping
        ? { restarts: recent.length, windowMs: policy.crashLoopWindowMs }
        : null,
  };
}

/** Whether the instance is in a crash loop at `now`: enough of its restarts still lie inside the window. */
export function isCrashLooping(state: RestartState, policy: RestartPolicy, now: number): boolean {
  return inWindow(state.recent, policy, now).length >= policy.crashLoopRestarts;
}

function inWindow(times: readonly number[], policy: RestartPolicy, now: number): number[] {
  return times.filter((t) => now - t <= policy.crashLoopWindowMs);
}

/** Consecutive probe results of one kind (readiness or liveness). */
export interface ProbeCounter {
  readonly successes: number;
  readonly failures: number;
}

/** No probes yet. */
export const NO_PROBES: ProbeCounter = Object.freeze({ successes: 0, failures: 0 });

/** Counts one probe result; a success resets the failures and a failure resets the successes. */
export function recordProbe(counter: ProbeCounter, ok: boolean): ProbeCounter {
  return ok
    ? { successes: counter.successes + 1, failures: 0 }
    : { successes: 0, failures: counter.failures + 1 };
}

/** Ready once `successThreshold` probes in a row succeeded. */
export function isReady(counter: ProbeCounter, successThreshold: number): boolean {
  return counter.successes >= successThreshold;
}

/** Unhealthy once `failureThreshold` probes in a row failed (the seeds: 3 consecutive checks). */
export function isUnhealthy(counter: ProbeCounter, failureThreshold: number): boolean {
  return counter.failures >= failureThreshold;
}
