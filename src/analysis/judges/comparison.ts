/*
 * The comparison judge: canary against stable on the same window, per metric, like Kayenta's
 * NetflixACAJudge — a Mann-Whitney U test plus an effect size, with a direction per metric.
 *
 * A metric is High (or Low) only when both hold: the difference is significant (one-sided U test in
 * the metric's direction, two-sided for `either`), and the effect is larger than its tolerance (the
 * ratio of error ratios or of latency medians beyond 1 + tolerance, or the rank-biserial correlation
 * beyond ±tolerance). Kayenta asks the same of a confidence interval and a tolerance band around the
 * Hodges-Lehmann estimate; here the effect size is explicit and configured per metric.
 *
 * Data per request, grouped (mann-whitney.ts): an error flag per request (U on 0/1 values with the
 * tie correction is the two-proportion test), a latency per request from the histogram's buckets or
 * the raw samples.
 *
 * The test is fixed-sample, so it is not asked at every scrape: it looks at the cumulative window at
 * startedAt + k·interval, at most `looks` times, each look at alpha / (looks × metrics) — Bonferroni,
 * so that the chance of failing a healthy canary over the whole run stays ≤ alpha. A look counts only
 * when it has enough data: `minSamples` requests per version and, for errors, enough failures that a
 * `detect`× error ratio would be significant at the look's level with probability `power`. Failures
 * are rare, so this is what keeps the judge from passing a canary on a few hundred requests: without
 * it, "no significant difference" after the looks would pass a 2× regression at low traffic. Before
 * then the judge waits. After `looks` counted looks without a High or Low metric it passes.
 *
 * Power of the one-sided two-proportion test (Fleiss, Statistical Methods for Rates and Proportions,
 * 3rd ed., §4.2): with stable ratio p₀, p₁ = detect·p₀ and p̄ the pooled ratio under H1, the look is
 * powered when p₁ − p₀ ≥ z_α·√(p̄(1−p̄)(1/n₁ + 1/n₂)) + z_power·√(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₂).
 */
import type { Judge, Verdict, WindowObservations } from './judge.ts';
import { groupSamples, mannWhitneyGrouped } from './mann-whitney.ts';
import type { Alternative, MannWhitneyResult, TiedGroup } from './mann-whitney.ts';
import { normalQuantile } from './normal.ts';
import { latencyQuantile } from './quantile.ts';
import { checkTimes } from './threshold.ts';
import { latencyCount, versionDelta } from './window.ts';
import type { VersionDelta } from './window.ts';

/** Which way a metric must move to count against the canary. */
export const DIRECTIONS = ['increase', 'decrease', 'either'] as const;

/** One of DIRECTIONS. */
export type Direction = (typeof DIRECTIONS)[number];

/** How big a difference is, and how big is tolerated. */
export interface EffectSize {
  /** `ratio`: canary over stable (error ratio, or latency `quantile`); `rank-biserial`: 2·P(canary > stable) − 1. */
  readonly measure: 'ratio' | 'rank-biserial';
  /** Tolerated effect: ratio 0.2 allows up to 1.2× (down to 1/1.2×); rank-biserial 0.1 allows |r| ≤ 0.1. */
  readonly tolerance: number;
  /** The latency quantile a ratio compares; default 0.5 (the median). */
  readonly quantile?: number;
}

/** One metric to compare. */
export interface ComparisonMetric {
  readonly metric: 'errors' | 'latency';
  /** Default `increase`: only a higher canary counts against it. */
  readonly direction?: Direction;
  /** Default ratio with tolerance 0.2 for errors, 0.1 (of the median) for latency. */
  readonly effectSize?: EffectSize;
}

/** The judge's settings. */
export interface ComparisonOptions {
  readonly name?: string;
  readonly metrics: readonly ComparisonMetric[];
  /** Chance of failing a healthy canary over all looks and metrics; default 0.01. */
  readonly alpha?: number;
  /** Time between looks; default one minute. */
  readonly intervalMs?: number;
  /** Counted looks before passing; default 5. */
  readonly looks?: number;
  /** Requests each version needs before a look counts; default 100. */
  readonly minSamples?: number;
  /** The error-ratio regression (× stable) a look must be able to show before it counts; default 2. */
  readonly detect?: number;
  /** The probability with which it must be able to show it; default 0.8. */
  readonly power?: number;
}

/** A metric's classification at one look. */
export interface MetricComparison {
  readonly metric: string;
  readonly classification: 'pass' | 'high' | 'low';
  readonly n1: number;
  readonly n2: number;
  readonly u: number;
  readonly pValue: number;
  readonly effect: number;
  readonly measure: EffectSize['measure'];
  readonly reason: string;
}

interface Resolved {
  readonly metric: 'errors' | 'latency';
  readonly direction: Direction;
  readonly effectSize: EffectSize;
}

/**
 * Kayenta-like canary-versus-stable comparison on fixed looks.
 * @example comparisonJudge({ metrics: [{ metric: 'errors' }, { metric: 'latency', direction: 'increase' }] })
 */
export function comparisonJudge(options: ComparisonOptions): Judge {
  const metrics = resolve(options.metrics);
  const alpha = options.alpha ?? 0.01;
  const intervalMs = options.intervalMs ?? 60_000;
  const looks = options.looks ?? 5;
  const minSamples = options.minSamples ?? 100;
  const detect = options.detect ?? 2;
  const power = options.power ?? 0.8;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${intervalMs}`);
  if (!(Number.isInteger(looks) && looks >= 1)) throw new RangeError(`looks must be ≥ 1, got ${looks}`);
  if (!(minSamples >= 1)) throw new RangeError(`minSamples must be ≥ 1, got ${minSamples}`);
  if (!(detect > 1)) throw new RangeError(`detect must be a ratio above 1, got ${detect}`);
  if (!(power > 0 && power < 1)) throw new RangeError(`power must be in (0, 1), got ${power}`);
  const alphaPerTest = alpha / (looks * metrics.length);
  const rules = Object.freeze({ metrics, alpha, alphaPerTest, intervalMs, looks, minSamples, detect, power });
  return Object.freeze({
    name: options.name ?? 'comparison',
    decide(observations: WindowObservations, now: Date): Verdict {
      const start = observations.startedAt.getTime();
      const history: {
        at: string;
        counted: boolean;
        metrics: readonly MetricComparison[];
        reason?: string;
      }[] = [];
      let counted = 0;
      for (const t of checkTimes(start, intervalMs, now.getTime(), Infinity)) {
        const canary = versionDelta(observations.canary, start, t);
        const stable = versionDelta(observations.stable, start, t);
        const at = new Date(t).toISOString();
        const short = tooFew(canary, stable, minSamples);
        if (short) {
          history.push({ at, counted: false, metrics: [], reason: short });
          continue;
        }
        const data = metrics.map((m) => dataOf(m, canary, stable, rules));
        const missing = data.findIndex((d) => typeof d === 'string');
        if (missing >= 0) {
          history.push({
            at,
            counted: false,
            metrics: [],
            reason: `${metrics[missing]?.metric}: ${data[missing]}`,
          });
          continue;
        }
        counted++;
        const results = metrics.map((m, i) =>
          compare(m, data[i] as TiedGroup[], canary, stable, alphaPerTest),
        );
        history.push({ at, counted: true, metrics: results });
        const evidence = Object.freeze({ rules, looks: history });
        const bad = results.filter((r) => r.classification !== 'pass');
        const statistic = Math.min(...results.map((r) => r.pValue));
        if (bad.length > 0) {
          const reason = bad.map((r) => `${r.metric}: ${r.reason}`).join('; ');
          return Object.freeze({ decision: 'fail', reason, statistic, evidence });
        }
        if (counted === looks) {
          const reason = `no significant regression in ${looks} looks: ${results.map((r) => `${r.metric}: ${r.reason}`).join('; ')}`;
          return Object.freeze({ decision: 'pass', reason, statistic, evidence });
        }
      }
      const next = new Date(start + (history.length + 1) * intervalMs);
      const last = history[history.length - 1];
      const reason =
        last && !last.counted
          ? `${last.reason}; next look at ${next.toISOString()}`
          : `${counted} of ${looks} looks without a regression; next look at ${next.toISOString()}`;
      return Object.freeze({
        decision: 'continue',
        reason,
        nextAt: next,
        evidence: Object.freeze({ rules, looks: history }),
      });
    },
  });
}

/** Compares one metric of two windows: U test in the metric's direction, then its effect size. */
function compare(
  m: Resolved,
  groups: readonly TiedGroup[],
  canary: VersionDelta,
  stable: VersionDelta,
  alpha: number,
): MetricComparison {
  const base = { metric: m.metric, measure: m.effectSize.measure };
  const alternative: Alternative =
    m.direction === 'increase' ? 'greater' : m.direction === 'decrease' ? 'less' : 'two-sided';
  const test = mannWhitneyGrouped(groups, { alternative });
  const effect = effectOf(m, test, canary, stable);
  const { tolerance } = m.effectSize;
  const ratio = m.effectSize.measure === 'ratio';
  const higher = ratio ? effect > 1 + tolerance : effect > tolerance;
  const lower = ratio ? effect < 1 / (1 + tolerance) : effect < -tolerance;
  const significant = test.pValue < alpha;
  const classification =
    significant && higher && m.direction !== 'decrease'
      ? 'high'
      : significant && lower && m.direction !== 'increase'
        ? 'low'
        : 'pass';
  const shown = `${ratio ? `${fmt(effect)}×` : `r = ${fmt(effect)}`} (${ratio ? 'ratio' : 'rank-biserial'}, tolerance ${tolerance})`;
  const reason = `${classification === 'pass' ? 'pass' : classification} — p = ${test.pValue.toPrecision(3)} (α ${alpha.toPrecision(3)}), effect ${shown}, ${test.n1} canary vs ${test.n2} stable`;
  return {
    ...base,
    classification,
    n1: test.n1,
    n2: test.n2,
    u: test.u,
    pValue: test.pValue,
    effect,
    reason,
  };
}

function resolve(metrics: readonly ComparisonMetric[]): readonly Resolved[] {
  if (metrics.length === 0) throw new RangeError('at least one metric is needed');
  return Object.freeze(
    metrics.map((m) => {
      if (m.metric !== 'errors' && m.metric !== 'latency') {
        throw new RangeError(`unknown metric ${JSON.stringify(m.metric)}: want errors or latency`);
      }
      const direction = m.direction ?? 'increase';
      if (!DIRECTIONS.includes(direction)) {
        throw new RangeError(`unknown direction ${JSON.stringify(direction)}: want ${DIRECTIONS.join(', ')}`);
      }
      const effectSize = m.effectSize ?? { measure: 'ratio', tolerance: m.metric === 'errors' ? 0.2 : 0.1 };
      if (effectSize.measure !== 'ratio' && effectSize.measure !== 'rank-biserial') {
        throw new RangeError(
          `unknown effect size ${JSON.stringify(effectSize.measure)}: want ratio or rank-biserial`,
        );
      }
      if (!(effectSize.tolerance >= 0))
        throw new RangeError(`tolerance must be ≥ 0, got ${effectSize.tolerance}`);
      if (effectSize.measure === 'rank-biserial' && !(effectSize.tolerance < 1)) {
        throw new RangeError(`a rank-biserial tolerance must be below 1, got ${effectSize.tolerance}`);
      }
      return Object.freeze({ metric: m.metric, direction, effectSize: Object.freeze({ ...effectSize }) });
    }),
  );
}

function tooFew(canary: VersionDelta, stable: VersionDelta, min: number): string | undefined {
  if (canary.requests >= min && stable.requests >= min) return undefined;
  return `too few samples: ${canary.requests} canary and ${stable.requests} stable requests, ${min} each needed`;
}

/** A metric's data for one look, or why the look cannot count yet (no data, or not enough to show a regression). */
function dataOf(
  m: Resolved,
  c: VersionDelta,
  s: VersionDelta,
  rules: { alphaPerTest: number; detect: number; power: number },
): TiedGroup[] | string {
  const groups = groupsOf(m.metric, c, s);
  if (typeof groups === 'string' || m.metric !== 'errors') return groups;
  const p0 = s.errors / s.requests;
  const { detect, power } = rules;
  if (p0 === 0) return `no stable errors yet: a ${detect}× error ratio cannot be shown`;
  const p1 = Math.min(1, detect * p0);
  const n1 = c.requests;
  const n2 = s.requests;
  const pooled = (n1 * p1 + n2 * p0) / (n1 + n2);
  const alpha = m.direction === 'either' ? rules.alphaPerTest / 2 : rules.alphaPerTest;
  const needed =
    normalQuantile(1 - alpha) * Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)) +
    normalQuantile(power) * Math.sqrt((p1 * (1 - p1)) / n1 + (p0 * (1 - p0)) / n2);
  if (p1 - p0 >= needed) return groups;
  const about = Math.ceil(n1 * (needed / (p1 - p0)) ** 2);
  return `too little evidence: a ${detect}× error ratio would show with ${power} power after about ${about} canary requests, ${n1} so far`;
}

/** The data of a metric as ascending groups of equal values, or why there is none. */
function groupsOf(metric: Resolved['metric'], c: VersionDelta, s: VersionDelta): TiedGroup[] | string {
  if (metric === 'errors') {
    return [
      { x: c.requests - c.errors, y: s.requests - s.errors },
      { x: c.errors, y: s.errors },
    ];
  }
  if (c.latencyBuckets && s.latencyBuckets) {
    const les = c.latencyBuckets.map((b) => b.le);
    const same = les.length === s.latencyBuckets.length && s.latencyBuckets.every((b, i) => b.le === les[i]);
    if (!same) return 'canary and stable latency histograms have different buckets';
    const ys = perBucket(s);
    return perBucket(c).map((x, i) => ({ x, y: ys[i] ?? 0 }));
  }
  if (c.latencySamples && s.latencySamples) return groupSamples(c.latencySamples, s.latencySamples);
  return 'no latency data for both versions';
}

/** Non-cumulative bucket counts, with the requests above the last bound as a final group. */
function perBucket(d: VersionDelta): number[] {
  const buckets = d.latencyBuckets ?? [];
  const counts: number[] = [];
  let below = 0;
  for (const b of buckets) {
    counts.push(Math.max(0, b.count - below));
    below = b.count;
  }
  const total = latencyCount(d);
  if (buckets[buckets.length - 1]?.le !== Infinity) counts.push(Math.max(0, total - below));
  return counts;
}

function effectOf(m: Resolved, test: MannWhitneyResult, c: VersionDelta, s: VersionDelta): number {
  if (m.effectSize.measure === 'rank-biserial') return test.rankBiserial;
  if (m.metric === 'errors') {
    const pc = c.requests > 0 ? c.errors / c.requests : 0;
    const ps = s.requests > 0 ? s.errors / s.requests : 0;
    return ps > 0 ? pc / ps : pc > 0 ? Infinity : 1;
  }
  const q = m.effectSize.quantile ?? 0.5;
  return latencyQuantile(q, c) / latencyQuantile(q, s);
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : String(x);
}
