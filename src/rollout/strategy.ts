/*
 * Rollout strategies, resolved: every default filled in, frozen. Weights are per-mille of traffic
 * (0..1000, so 0.1% steps); durations are milliseconds. `resolveStrategy` (resolve-strategy.ts)
 * turns config input into these; `presets.ts` and `flagger.ts` build them from shorthands.
 */

/** Strategy kinds, spelled as Argo Rollouts spells the keys under `strategy:`. */
export const STRATEGY_KINDS = ['canary', 'blueGreen'] as const;
/** `canary` or `blueGreen`. */
export type StrategyKind = (typeof STRATEGY_KINDS)[number];

/** The kinds of canary step; a step object has exactly one of these keys. */
export const STEP_KINDS = ['setWeight', 'pause', 'analysis'] as const;

/** All traffic, in per-mille. */
export const FULL_WEIGHT = 1000;

/** Analysis templates to run together as one analysis run. */
export interface AnalysisRef {
  readonly templates: readonly string[];
  /** Failed measurements tolerated before the run fails (the run fails when failures exceed it). */
  readonly failureLimit?: number;
  /** Time between measurements, overriding the templates' own interval. */
  readonly intervalMs?: number;
}

/** Analysis that runs beside the steps from `startingStep` on and aborts the rollout when it fails. */
export interface BackgroundAnalysis extends AnalysisRef {
  readonly startingStep: number;
}

/** One canary step: send traffic, wait, or judge. */
export type CanaryStep =
  | { readonly setWeight: number }
  | { readonly pause: { readonly durationMs?: number } }
  | { readonly analysis: AnalysisRef };

/** Observations that abort a rollout on their own, without an analysis run. */
export interface AbortRules {
  /** Health probe failures in a row that abort (the seed: 3). */
  readonly consecutiveHealthFailures: number;
  /** Abort when the data plane reports the new version crash-looping (seed: 3 restarts in 5 min). */
  readonly crashLoop: boolean;
  /** Abort when the new version's instances make no progress for `progressDeadlineMs`. */
  readonly progressDeadline: boolean;
}

interface StrategyBase {
  /** How long the version that lost (old stable, or the aborted new one) keeps running. */
  readonly scaleDownDelayMs: number;
  /** Longest wait for new instances to become ready before the rollout counts as stuck. */
  readonly progressDeadlineMs: number;
  readonly abortOn: AbortRules;
}

/** Traffic moves to the new version in steps. */
export interface CanaryStrategy extends StrategyBase {
  readonly kind: 'canary';
  readonly steps: readonly CanaryStep[];
  readonly backgroundAnalysis?: BackgroundAnalysis;
  /**
   * Flagger's `threshold`: a failed analysis step holds the weight and goes back to the pause
   * before it (checked again one interval later) instead of aborting; the rollout rolls back when
   * this many checks have failed in the attempt. Unset: a failed analysis step aborts at once.
   */
  readonly failedCheckThreshold?: number;
}

/** The new version runs beside the old one (preview), then takes all traffic at once. */
export interface BlueGreenStrategy extends StrategyBase {
  readonly kind: 'blueGreen';
  readonly prePromotionAnalysis?: AnalysisRef;
  readonly postPromotionAnalysis?: AnalysisRef;
  /** Switch this long after the preview is ready and judged; unset waits for `promote`. */
  readonly autoPromotionDelayMs?: number;
}

/** A resolved, frozen strategy. */
export type Strategy = CanaryStrategy | BlueGreenStrategy;

/** Defaults shared by both kinds (Argo Rollouts' own: 30 s scale-down delay, 10 min deadline). */
export const STRATEGY_DEFAULTS = Object.freeze({
  scaleDownDelayMs: 30_000,
  progressDeadlineMs: 600_000,
  abortOn: Object.freeze({ consecutiveHealthFailures: 3, crashLoop: true, progressDeadline: true }),
});

/** Formats per-mille as a percentage: 10 → `1%`, 5 → `0.5%`. */
export function percent(perMille: number): string {
  return `${perMille / 10}%`;
}

/** Freezes a value and everything in it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') Object.values(value).forEach(deepFreeze);
  return Object.freeze(value);
}
