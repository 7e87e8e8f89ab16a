/*
 * Flagger's analysis shorthand expanded into canary steps.
 *
 * Flagger (pkg/controller/scheduler.go) raises the canary weight by `stepWeight` once per
 * `interval` while every metric check passes, promotes once the weight has reached `maxWeight`
 * and one more interval has passed, and rolls back when `threshold` checks have failed (counted
 * over the whole analysis, not in a row). `stepWeights` lists the weights instead.
 *
 * Runway's mapping:
 * - weights: stepWeight, 2×stepWeight, … below maxWeight, then maxWeight itself. Flagger adds the
 *   step and caps only at 100, so stepWeight 20 with maxWeight 50 runs 20/40/60 there and
 *   20/40/50 here: maxWeight is a promise about exposure, and Runway keeps it. When maxWeight is a
 *   multiple of stepWeight (the seed: 20 and 100 → 20/40/60/80/100) both agree.
 * - each weight is a `setWeight`, a pause of `interval`, then (with `templates`) a check: one
 *   analysis step over the templates. A passing check moves to the next weight; after the last
 *   weight's check passes the rollout completes (promotion). Without templates the pauses alone
 *   pace it, so the seed's canary reaches 100% at +4m and completes at +5m.
 * - a failed (or errored) check holds the weight: the rollout goes back to that weight's pause and
 *   checks again one interval later. `threshold` is `failedCheckThreshold`: the threshold-th failed
 *   check of the attempt rolls back, counted over the whole analysis as Flagger counts them.
 * - stepWeight and stepWeights together, or maxWeight with stepWeights, are errors: Flagger
 *   silently prefers stepWeight and ignores maxWeight there.
 */
import type { FieldReader } from './fields.ts';
import type { CanaryStep } from './strategy.ts';

/** Keys of the `flagger:` form besides the shared ones (scaleDownDelayMs, progressDeadlineMs, abortOn). */
export const FLAGGER_KEYS = [
  'stepWeight',
  'stepWeights',
  'maxWeight',
  'intervalMs',
  'threshold',
  'templates',
];

/** Flagger's `analysis:` fields; weights in percent as Flagger writes them (0.1 resolution). */
export interface FlaggerAnalysis {
  stepWeight?: number;
  stepWeights?: number[];
  maxWeight?: number;
  intervalMs: number;
  threshold: number;
  templates?: string[];
}

/** The canary weights, in per-mille, that a Flagger analysis walks through. */
export function flaggerWeights(analysis: Pick<FlaggerAnalysis, 'stepWeight' | 'stepWeights' | 'maxWeight'>) {
  if (analysis.stepWeights) return analysis.stepWeights.map(perMille);
  const step = perMille(analysis.stepWeight ?? 0);
  const max = perMille(analysis.maxWeight ?? 100);
  const weights: number[] = [];
  for (let w = step; w < max; w += step) weights.push(w);
  weights.push(max);
  return weights;
}

/** Reads the `flagger:` form into canary steps and background analysis. */
export function readFlagger(
  reader: FieldReader,
  input: Record<string, unknown>,
  path: string,
): { steps: CanaryStep[]; failedCheckThreshold?: number } | undefined {
  const before = reader.issues.length;
  const stepWeight = percentField(reader, input.stepWeight, `${path}.stepWeight`);
  const maxWeight = percentField(reader, input.maxWeight, `${path}.maxWeight`);
  const stepWeights = stepWeightsField(reader, input.stepWeights, `${path}.stepWeights`);
  const intervalMs = reader.duration(input.intervalMs, `${path}.intervalMs`, 1);
  if (input.intervalMs === undefined) reader.fail(`${path}.intervalMs`, 'is required');
  const threshold = reader.int(input.threshold, `${path}.threshold`, { min: 1, max: 1000 }, false);
  const templates = input.templates === undefined ? [] : reader.names(input.templates, `${path}.templates`);

  // check the weight fields fit together
  const given = (key: string) => input[key] !== undefined;
  if (given('stepWeights') && given('stepWeight')) {
    reader.fail(`${path}.stepWeights`, 'set either stepWeight or stepWeights, not both');
  } else if (given('stepWeights') && given('maxWeight')) {
    reader.fail(`${path}.maxWeight`, 'is not used with stepWeights (the last step weight is the maximum)');
  } else if (!given('stepWeights') && !given('stepWeight')) {
    reader.fail(`${path}.stepWeight`, 'is required (or give stepWeights)');
  } else if (stepWeight !== undefined && maxWeight !== undefined && stepWeight > maxWeight) {
    reader.fail(`${path}.stepWeight`, `must not exceed maxWeight ${maxWeight}, got ${stepWeight}`);
  }
  if (reader.issues.length > before || intervalMs === undefined || threshold === undefined) return undefined;

  // expand into steps
  const weights = flaggerWeights({ stepWeight, stepWeights, maxWeight });
  const check: CanaryStep[] = templates && templates.length > 0 ? [{ analysis: { templates } }] : [];
  const steps = weights.flatMap((w): CanaryStep[] => [
    { setWeight: w },
    { pause: { durationMs: intervalMs } },
    ...check,
  ]);
  return check.length > 0 ? { steps, failedCheckThreshold: threshold } : { steps };
}

function perMille(percent: number): number {
  return Math.round(percent * 10);
}

function percentField(reader: FieldReader, value: unknown, path: string): number | undefined {
  if (value === undefined) return undefined;
  const ok =
    typeof value === 'number' &&
    value > 0 &&
    value <= 100 &&
    Math.abs(value * 10 - Math.round(value * 10)) < 1e-9;
  return ok ? value : reader.fail(path, `must be a percentage above 0 up to 100 in 0.1 steps, got ${value}`);
}

function stepWeightsField(reader: FieldReader, value: unknown, path: string): number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    return reader.fail(
      path,
      `must be a non-empty list of increasing percentages, got ${JSON.stringify(value)}`,
    );
  }
  const weights: number[] = [];
  value.forEach((w, i) => {
    const checked = percentField(reader, w, `${path}[${i}]`);
    if (checked === undefined) return;
    const previous = weights.at(-1);
    if (previous !== undefined && checked <= previous) {
      reader.fail(`${path}[${i}]`, `must be above the previous weight ${previous}, got ${checked}`);
    }
    weights.push(checked);
  });
  return weights.length === value.length ? weights : undefined;
}
