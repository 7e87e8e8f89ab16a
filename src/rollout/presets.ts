/*
 * The seeds' canaries as presets.
 *
 * Tier 1 (CompanyOS "Traffic Progression"): 1% → 10% → 25% → 50% → 100% at 0, 1m, 6m, 16m, 31m,
 * so pauses of 1m, 5m, 10m and 15m. Each of the first three weights runs the seed's template for
 * that row before its pause: smoke-check at 1%, slo-burn-check at 10%, synthetic-check at 25%.
 * The 50% row names an "anomaly check" for which the seed defines no template, so the preset has no
 * analysis there; add one with `backgroundAnalysis` or explicit steps. An analysis step blocks, so
 * its duration adds to the timeline (the seed's 30–45 minutes for tier 1 allows for that).
 *
 * Tier 2: 10% → 50% → 100% at 0, 2m, 5m (pauses 2m and 3m) with health-check, then slo-burn-check.
 *
 * Slow (what the release gate answers when less than half the error budget is left): the tier 1
 * weights with an extra 5% step and longer pauses, 1% → 5% → 10% → 25% → 50% → 100% with pauses of
 * 5m/10m/15m/20m/30m, so a thin budget gets more time at each exposure before it grows.
 *
 * The release gate answers with strategy names (`tier1-progressive`, `tier2-standard`); they are
 * aliases of the presets here.
 */
import type { FlaggerAnalysis } from './flagger.ts';
import { parseStrategy } from './resolve-strategy.ts';
import type { AbortRules, BackgroundAnalysis, CanaryStep, CanaryStrategy } from './strategy.ts';

/** Settings a preset leaves to the caller. */
export interface PresetOptions {
  scaleDownDelayMs?: number;
  progressDeadlineMs?: number;
  backgroundAnalysis?: Partial<BackgroundAnalysis> & Pick<BackgroundAnalysis, 'templates'>;
  abortOn?: Partial<AbortRules>;
}

const MINUTE = 60_000;

const TIER1_STEPS: CanaryStep[] = [
  { setWeight: 10 },
  { analysis: { templates: ['smoke-check'] } },
  { pause: { durationMs: 1 * MINUTE } },
  { setWeight: 100 },
  { analysis: { templates: ['slo-burn-check'] } },
  { pause: { durationMs: 5 * MINUTE } },
  { setWeight: 250 },
  { analysis: { templates: ['synthetic-check'] } },
  { pause: { durationMs: 10 * MINUTE } },
  { setWeight: 500 },
  { pause: { durationMs: 15 * MINUTE } },
  { setWeight: 1000 },
];

const TIER2_STEPS: CanaryStep[] = [
  { setWeight: 100 },
  { analysis: { templates: ['health-check'] } },
  { pause: { durationMs: 2 * MINUTE } },
  { setWeight: 500 },
  { analysis: { templates: ['slo-burn-check'] } },
  { pause: { durationMs: 3 * MINUTE } },
  { setWeight: 1000 },
];

const SLOW_STEPS: CanaryStep[] = [
  { setWeight: 10 },
  { analysis: { templates: ['smoke-check'] } },
  { pause: { durationMs: 5 * MINUTE } },
  { setWeight: 50 },
  { analysis: { templates: ['slo-burn-check'] } },
  { pause: { durationMs: 10 * MINUTE } },
  { setWeight: 100 },
  { analysis: { templates: ['slo-burn-check'] } },
  { pause: { durationMs: 15 * MINUTE } },
  { setWeight: 250 },
  { analysis: { templates: ['synthetic-check'] } },
  { pause: { durationMs: 20 * MINUTE } },
  { setWeight: 500 },
  { pause: { durationMs: 30 * MINUTE } },
  { setWeight: 1000 },
];

/** Slow canary for a thin error budget: 1% → 5% → 10% → 25% → 50% → 100%, pauses 5m/10m/15m/20m/30m. */
export function slow(options: PresetOptions = {}): CanaryStrategy {
  return canary(SLOW_STEPS, options);
}

/** Tier 1 progressive canary: 1% → 10% → 25% → 50% → 100%, pauses 1m/5m/10m/15m. */
export function tier1(options: PresetOptions = {}): CanaryStrategy {
  return canary(TIER1_STEPS, options);
}

/** Tier 2 standard canary: 10% → 50% → 100%, pauses 2m/3m. */
export function tier2(options: PresetOptions = {}): CanaryStrategy {
  return canary(TIER2_STEPS, options);
}

/** A canary from Flagger's `analysis:` fields (see flagger.ts for the mapping). */
export function fromFlagger(
  analysis: FlaggerAnalysis,
  options: Omit<PresetOptions, 'backgroundAnalysis'> = {},
) {
  return parseStrategy({ flagger: { ...analysis, ...options } }) as CanaryStrategy;
}

/** Presets by name, including the names the release gate's default policy answers with. */
export const PRESETS = Object.freeze({
  tier1,
  tier2,
  slow,
  'tier1-progressive': tier1,
  'tier2-standard': tier2,
});

/** A name of a preset. */
export type PresetName = keyof typeof PRESETS;

/** The preset called `name`; an unknown name throws an error listing the valid ones. */
export function preset(name: string, options: PresetOptions = {}): CanaryStrategy {
  if (!Object.hasOwn(PRESETS, name)) {
    throw new Error(`unknown rollout preset "${name}"; valid presets: ${Object.keys(PRESETS).join(', ')}`);
  }
  return PRESETS[name as PresetName](options);
}

function canary(steps: CanaryStep[], options: PresetOptions): CanaryStrategy {
  return parseStrategy({ canary: { steps, ...options } }) as CanaryStrategy;
}

/** How long a strategy takes if every check passes at once: the sum of its timed pauses. */
export function plannedDurationMs(strategy: CanaryStrategy): number {
  return strategy.steps.reduce((ms, step) => ms + ('pause' in step ? (step.pause.durationMs ?? 0) : 0), 0);
}
