/*
 * A metric decided by a judge instead of conditions: `judge: { sequential-errors: {...} }` in a
 * template. Each measurement is one scrape of both versions' cumulative counters; the metric keeps
 * the scrapes (plain JSON, persisted with the run) and asks the judge about all of them. A sequential
 * pass is provisional (judges/watch.ts) until the metric's `count` is reached; the comparison judge
 * passes after its last look; a fail ends the metric at once; a window that ends without a pass is
 * inconclusive ("not yet"), never successful.
 */
import { describe, type FieldReader } from './fields.ts';
import type { FieldPath } from './arguments.ts';
import type { Judge, LatencyBucket, VersionSample, Verdict } from './judges/judge.ts';
import { createJudge, JUDGE_KINDS } from './judges/registry.ts';
import { DIRECTIONS, type Direction } from './judges/comparison.ts';
import { keepWatching } from './judges/watch.ts';
import { withFinalLook } from './judges/final-look.ts';
import { afterWarmUp } from './judges/warm-up.ts';
import { errorCounts, slowCounts } from './judges/sequential.ts';
import type { StoredSample, StoredSamples } from '../records/samples.ts';

/** Judges a metric can name in runway.yaml. */
export const METRIC_JUDGES = JUDGE_KINDS;

/** What the comparison judge compares. */
export const COMPARED = ['errors', 'latency'] as const;

/** One of METRIC_JUDGES. */
export type MetricJudgeKind = (typeof METRIC_JUDGES)[number];

/** A judge as configured: its kind and options (defaults are the judge's own). */
export interface JudgeConfig {
  readonly kind: MetricJudgeKind;
  /** Bound on rolling back a canary no worse than stable × (1 + tolerance) over the whole window. */
  readonly alpha?: number;
  /** Bound on passing a canary `regression`× worse than stable. */
  readonly beta?: number;
  readonly tolerance?: number;
  readonly regression?: number;
  readonly minCanaryTrials?: number;
  readonly acceptBelow?: number;
  /** Sequential judges: seconds at the window's start that are not judged (a fresh canary is slow); default 0. */
  readonly warmupSeconds?: number;
  /** sequential-latency: requests slower than this (a histogram bound) are the events compared. */
  readonly thresholdSeconds?: number;
  /** comparison: the metric compared (errors: error ratios; latency: a quantile of the histograms). */
  readonly metric?: (typeof COMPARED)[number];
  /** comparison: which way counts against the canary; default increase. */
  readonly direction?: Direction;
  /** comparison, latency: the quantile whose ratio is the effect size; default 0.5. */
  readonly quantile?: number;
  /** comparison: looks before a pass, each at alpha / looks; default 5. */
  readonly looks?: number;
  /** comparison: seconds between looks, from the first scrape; default 60. */
  readonly lookEverySeconds?: number;
  /** comparison: requests each version needs before a look counts; default 100. */
  readonly minSamples?: number;
  /** comparison, errors: the error ratio (× stable) a look must be able to show; default 2. */
  readonly detect?: number;
  /** comparison, errors: with this probability; default 0.8. */
  readonly power?: number;
}

const OPTION_KEYS = [
  'alpha',
  'beta',
  'tolerance',
  'regression',
  'minCanaryTrials',
  'acceptBelow',
  'warmupSeconds',
] as const;
const KEYS: Readonly<Record<MetricJudgeKind, readonly string[]>> = {
  'sequential-errors': OPTION_KEYS,
  'sequential-latency': [...OPTION_KEYS, 'thresholdSeconds'],
  comparison: [
    'metric',
    'direction',
    'tolerance',
    'quantile',
    'alpha',
    'looks',
    'lookEverySeconds',
    'minSamples',
    'detect',
    'power',
  ],
};
/** The keys of a judge whose values are words, with the words allowed. */
const WORDS: Readonly<Record<string, readonly string[]>> = { metric: COMPARED, direction: DIRECTIONS };

/** Validates `judge:` of a metric; problems are issues at their field. */
export function parseJudge(r: FieldReader, value: unknown, path: FieldPath): JudgeConfig | undefined {
  const obj = r.object(value, path, METRIC_JUDGES);
  if (!obj) return undefined;
  const kinds = METRIC_JUDGES.filter((k) => obj[k] !== undefined);
  if (kinds.length !== 1) {
    return r.fail(path, `expected exactly one judge of ${METRIC_JUDGES.join(', ')}, got ${kinds.length}`);
  }
  const kind = kinds[0] as MetricJudgeKind;
  const at = [...path, kind];
  const raw = obj[kind] === null ? {} : obj[kind];
  const options = r.object(raw, at, KEYS[kind]);
  if (!options) return undefined;
  const before = r.issues.length;
  const config: Record<string, unknown> = { kind };
  for (const key of KEYS[kind]) {
    const v = options[key];
    if (v === undefined || v === null) continue;
    const words = WORDS[key];
    if (words) {
      if (typeof v === 'string' && words.includes(v)) config[key] = v;
      else r.fail([...at, key], `expected one of ${words.join(', ')}, got ${describe(v)}`);
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      r.fail([...at, key], `expected a number, got ${describe(v)}`);
      continue;
    }
    config[key] = v;
  }
  if (kind === 'sequential-latency' && config['thresholdSeconds'] === undefined) {
    r.fail([...at, 'thresholdSeconds'], 'is required (a latency histogram bound in seconds, e.g. 0.05)');
  }
  if (kind === 'comparison' && options['metric'] === undefined) {
    r.fail([...at, 'metric'], `is required (one of ${COMPARED.join(', ')})`);
  }
  if (r.issues.length > before) return undefined;
  const judge = config as unknown as JudgeConfig;
  try {
    buildJudge(judge);
  } catch (err) {
    const message = (err as Error).message;
    const field = KEYS[kind].find((k) => message.startsWith(k));
    return r.fail(field ? [...at, field] : at, message);
  }
  return Object.freeze(judge);
}

/** The share of a sequential judge's alpha its final look spends when the window has an end. */
export const FINAL_LOOK_SHARE = 0.5;

/** What the judge knows of the metric's window. */
export interface JudgeWindow {
  /** Whether the window has an end (a `count`): then a sequential judge makes a final look there. */
  readonly bounded: boolean;
}

/**
 * The judge of a metric: the configured one, whose passes hold only until the window ends; in a
 * bounded window a sequential judge spends part of its alpha on one exact look at the window's end.
 * @example buildJudge({ kind: 'sequential-errors', tolerance: 0.2 }, { bounded: true }).decide(observations, now)
 */
export function buildJudge(config: JudgeConfig, window: JudgeWindow = { bounded: false }): Judge {
  if (config.kind === 'comparison') return buildComparison(config);
  const { kind, warmupSeconds, ...options } = config;
  const alpha = options.alpha ?? 0.01;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (options.beta !== undefined && !(options.beta > 0 && options.beta < 1))
    throw new RangeError(`beta must be in (0, 1), got ${options.beta}`);
  const threshold = options.thresholdSeconds ?? NaN;
  const build = (a: number): Judge =>
    kind === 'sequential-latency'
      ? createJudge({ ...options, kind, alpha: a, thresholdSeconds: threshold })
      : createJudge({ ...options, kind, alpha: a });
  if (!window.bounded) return afterWarmUp(keepWatching(kind, alpha, build), warmupSeconds ?? 0);
  const final = alpha * FINAL_LOOK_SHARE;
  const judge = withFinalLook(keepWatching(kind, alpha - final, build), {
    metric: kind === 'sequential-latency' ? `share slower than ${threshold}s` : 'error ratio',
    alpha: final,
    tolerance: options.tolerance ?? 0,
    count: kind === 'sequential-latency' ? slowCounts(threshold) : errorCounts,
  });
  return afterWarmUp(judge, warmupSeconds ?? 0);
}

/** The comparison judge of a metric: fixed looks, so its pass after the last look is final. */
function buildComparison(config: JudgeConfig): Judge {
  const every = config.lookEverySeconds ?? 60;
  if (!(every > 0)) throw new RangeError(`lookEverySeconds must be > 0, got ${every}`);
  if (config.quantile !== undefined && !(config.quantile > 0 && config.quantile < 1)) {
    throw new RangeError(`quantile must be in (0, 1), got ${config.quantile}`);
  }
  const metric = config.metric ?? 'errors';
  const tolerance = config.tolerance ?? (metric === 'errors' ? 0.2 : 0.1);
  return createJudge({
    kind: 'comparison',
    metrics: [
      {
        metric,
        direction: config.direction ?? 'increase',
        effectSize: { measure: 'ratio', tolerance, quantile: config.quantile ?? 0.5 },
      },
    ],
    intervalMs: every * 1000,
    ...(config.alpha !== undefined && { alpha: config.alpha }),
    ...(config.looks !== undefined && { looks: config.looks }),
    ...(config.minSamples !== undefined && { minSamples: config.minSamples }),
    ...(config.detect !== undefined && { detect: config.detect }),
    ...(config.power !== undefined && { power: config.power }),
  });
}

export type { StoredSample, StoredSamples } from '../records/samples.ts';

/** What a `counters` measurement answers: one scrape of both versions (taken at `at`, default now). */
export interface CountersValue {
  readonly at?: string;
  readonly canary: Omit<StoredSample, 'at'>;
  readonly stable: Omit<StoredSample, 'at'>;
}

/** What a replay answers: every recorded scrape up to now; the ones already read are skipped. */
export interface RecordedScrapes {
  readonly scrapes: readonly CountersValue[];
}

/** A judge's answer on a measurement, in the terms of a metric run. */
export interface JudgedMeasurement {
  readonly decision: Verdict['decision'];
  readonly message: string;
  /** The judge's evidence, stored as the measurement's value. */
  readonly evidence: Readonly<Record<string, unknown>>;
  readonly samples: StoredSamples;
}

/** The metric's window as of one scrape: whether it has an end, and whether this scrape is its last. */
export interface ScrapeWindow extends JudgeWindow {
  readonly last: boolean;
}

/**
 * Adds one scrape to the samples and asks the judge; a value that is not a scrape of both
 * versions is an error message.
 */
export function judgeScrape(
  config: JudgeConfig,
  samples: StoredSamples | undefined,
  value: unknown,
  now: Date,
  window: ScrapeWindow = { bounded: false, last: false },
): JudgedMeasurement | string {
  const batch = (value as Partial<RecordedScrapes> | null)?.scrapes;
  const scrapes = Array.isArray(batch) ? batch.map(asCounters) : [asCounters(value)];
  const bad = scrapes.find((c) => typeof c === 'string');
  if (bad !== undefined) return bad;
  const canary = [...(samples?.canary ?? [])];
  const stable = [...(samples?.stable ?? [])];
  for (const scrape of scrapes as CountersValue[]) {
    const at = scrape.at ?? now.toISOString();
    const last = canary.at(-1)?.at;
    if (last !== undefined && Date.parse(at) <= Date.parse(last)) continue;
    canary.push({ at, ...scrape.canary });
    stable.push({ at, ...scrape.stable });
  }
  const next: StoredSamples = { canary, stable };
  const first = next.canary[0];
  if (!first) return 'no scrape of both versions recorded yet';
  const verdict = buildJudge(config, window).decide(
    {
      startedAt: new Date(first.at),
      ...(window.last && { endsAt: now }),
      canary: next.canary.map(toVersionSample),
      stable: next.stable.map(toVersionSample),
    },
    now,
  );
  return {
    decision: verdict.decision,
    message: `${config.kind} ${verdict.decision}: ${verdict.reason}`,
    evidence: verdict.evidence,
    samples: next,
  };
}

function toVersionSample(s: StoredSample): VersionSample {
  const latencyBuckets: LatencyBucket[] | undefined = s.buckets?.map(([le, count]) => ({
    le: le ?? Infinity,
    count,
  }));
  return {
    at: new Date(s.at),
    requests: s.requests,
    errors: s.errors,
    ...(latencyBuckets && { latencyBuckets }),
  };
}

function asCounters(value: unknown): CountersValue | string {
  const v = value as Partial<CountersValue> | null;
  const ok = (s: unknown): boolean => {
    const c = s as Partial<StoredSample> | null;
    return (
      c !== null &&
      typeof c === 'object' &&
      typeof c.requests === 'number' &&
      typeof c.errors === 'number' &&
      (c.buckets === undefined || Array.isArray(c.buckets))
    );
  };
  if (v === null || typeof v !== 'object' || !ok(v.canary) || !ok(v.stable)) {
    return `a judge needs the counters of both versions ({canary, stable}), got ${describe(value)}`;
  }
  return v as CountersValue;
}
