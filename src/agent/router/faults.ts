import type { Random } from './picker.ts';

/**
 * Faults injected into one version's traffic, for rollback rehearsals. Applied in this order: wait
 * `latencyMs`, then with probability `abortRatio` destroy the client's connection without answering,
 * else with probability `errorRatio` answer 500 without calling the backend; otherwise forward.
 */
export interface Faults {
  readonly errorRatio: number;
  readonly latencyMs: number;
  readonly abortRatio: number;
}

/** No faults: every request is forwarded at once. */
export const NO_FAULTS: Faults = Object.freeze({ errorRatio: 0, latencyMs: 0, abortRatio: 0 });

/** What to do with one request after waiting `delayMs`. */
export interface FaultDecision {
  readonly delayMs: number;
  readonly outcome: 'forward' | 'abort' | 'error';
}

const FORWARD: FaultDecision = Object.freeze({ delayMs: 0, outcome: 'forward' });
const MAX_LATENCY_MS = 600_000;

/** Checks a partial fault spec (missing fields are 0) and returns it frozen, or throws a RangeError. */
export function validateFaults(input: Partial<Faults>): Faults {
  const problems: string[] = [];
  const known = ['errorRatio', 'latencyMs', 'abortRatio'];
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) problems.push(`unknown key "${key}" (expected ${known.join(', ')})`);
  }
  const { errorRatio = 0, latencyMs = 0, abortRatio = 0 } = input;
  for (const [name, v] of [
    ['errorRatio', errorRatio],
    ['abortRatio', abortRatio],
  ] as const) {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) problems.push(`${name} must be in 0..1, got ${v}`);
  }
  if (
    typeof latencyMs !== 'number' ||
    !Number.isInteger(latencyMs) ||
    latencyMs < 0 ||
    latencyMs > MAX_LATENCY_MS
  ) {
    problems.push(`latencyMs must be an integer in 0..${MAX_LATENCY_MS}, got ${latencyMs}`);
  }
  if (problems.length > 0) throw new RangeError(`invalid faults: ${problems.join('; ')}`);
  return Object.freeze({ errorRatio, latencyMs, abortRatio });
}

/** Whether `faults` does anything at all. */
export function isActive(faults: Faults): boolean {
  return faults.errorRatio > 0 || faults.latencyMs > 0 || faults.abortRatio > 0;
}

/** Decides the fate of one request; draws from `random` only for the ratios that are set. */
export function decideFault(faults: Faults, random: Random): FaultDecision {
  if (!isActive(faults)) return FORWARD;
  const delayMs = faults.latencyMs;
  if (faults.abortRatio > 0 && random() < faults.abortRatio) return { delayMs, outcome: 'abort' };
  if (faults.errorRatio > 0 && random() < faults.errorRatio) return { delayMs, outcome: 'error' };
  return { delayMs, outcome: 'forward' };
}
