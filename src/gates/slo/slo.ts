import { parseDuration } from '../../engine/duration.ts';
import { errorBudgetFraction } from './burn-math.ts';

/** An availability SLO as written in config, with how much data counts as enough. */
export interface SloConfig {
  /** Percent of requests that must succeed, e.g. 99.9. */
  objective: number;
  /** The window the budget is spent over, e.g. `30d`. */
  window: string;
  /** Smallest fraction of a window the data must cover (default 0.9). */
  minCoverage?: number;
  /** Fewest requests a window must hold to be judged (default 1). */
  minRequests?: number;
}

/** The SLO assumed where none is named: 99.9% of requests succeed over 30 days. */
export const DEFAULT_SLO = Object.freeze({ objective: 99.9, window: '30d' });

/** A validated, frozen SLO. */
export interface Slo {
  readonly objective: number;
  readonly window: string;
  readonly windowMs: number;
  /** Fraction of requests allowed to fail, e.g. 0.001 for 99.9. */
  readonly errorBudget: number;
  readonly minCoverage: number;
  readonly minRequests: number;
}

/**
 * Validates an SLO once, so evaluation never meets bad config.
 * @example defineSlo({ objective: 99.9, window: '30d' })
 */
export function defineSlo(config: SloConfig): Slo {
  const { objective, window, minCoverage = 0.9, minRequests = 1 } = config;
  if (!Number.isFinite(objective) || objective <= 0 || objective >= 100) {
    throw new Error(`invalid slo objective ${objective}, expected a percentage between 0 and 100, e.g. 99.9`);
  }
  const windowMs = parseDuration(window);
  if (windowMs <= 0) throw new Error(`invalid slo window ${JSON.stringify(window)}, expected e.g. 30d`);
  if (!Number.isFinite(minCoverage) || minCoverage <= 0 || minCoverage > 1) {
    throw new Error(`invalid minCoverage ${minCoverage}, expected a fraction in (0, 1]`);
  }
  if (!Number.isFinite(minRequests) || minRequests < 1) {
    throw new Error(`invalid minRequests ${minRequests}, expected at least 1`);
  }
  return Object.freeze({
    objective,
    window,
    windowMs,
    errorBudget: errorBudgetFraction(objective),
    minCoverage,
    minRequests,
  });
}
