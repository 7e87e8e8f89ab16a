/*
 * Sequential judges: decide as soon as the evidence suffices, with the false-rollback rate bounded
 * however often they are asked (the maths is in sprt.ts). One judge compares the error ratios of the
 * canary and the stable version, the other the share of requests slower than an SLO latency.
 *
 * Both read the scrapes at which the two versions were sampled together; each pair of consecutive
 * such scrapes is one slice of the test. The first decision reached is kept (Wald's stopping rule):
 * later samples do not change it, so replaying a rollout gives the same verdict at the same time.
 * A judge remembers how far it has read each (append-only) series, so asking every second costs
 * O(new samples), not O(history); the memory is checked against the samples themselves and any
 * other input (an earlier `now`, different arrays) is judged from scratch.
 */
import type { Judge, VersionSample, Verdict, WindowObservations } from './judge.ts';
import { rateLogLikelihoodRatio, sliceLogLikelihoodRatio, sprtBoundaries } from './sprt.ts';
import type { SprtBoundaries } from './sprt.ts';

/** Hypotheses and error rates of a sequential judge. */
export interface SequentialOptions {
  readonly name?: string;
  /** Bound on P(fail) when the canary's rate is at most stable × (1 + tolerance); default 0.01. */
  readonly alpha?: number;
  /** Bound on P(pass) when the canary's rate is at least stable × regression; default 0.001. */
  readonly beta?: number;
  /** Relative worsening that still counts as healthy; default 0. */
  readonly tolerance?: number;
  /** The smallest regression, as a ratio to stable, that must be caught; default 2. */
  readonly regression?: number;
  /** Canary requests (or timed requests) needed before passing; default 100. */
  readonly minCanaryTrials?: number;
  /**
   * Also pass when the canary's own rate is, with confidence 1 − beta, below this absolute rate (an
   * SLO's error ratio): with too few events to compare the versions, a canary that is clearly
   * inside the SLO still passes. Off by default.
   */
  readonly acceptBelow?: number;
}

/** Options of the latency judge: requests slower than `thresholdSeconds` are the events counted. */
export interface SequentialLatencyOptions extends SequentialOptions {
  readonly thresholdSeconds: number;
}

/**
 * Compares the canary's error ratio with the stable version's (see sprt.ts).
 * @example sequentialErrorJudge({ alpha: 0.005, beta: 0.01, regression: 2 })
 */
export function sequentialErrorJudge(options: SequentialOptions = {}): Judge {
  return sequentialJudge(options.name ?? 'sequential-errors', 'error ratio', options, errorCounts);
}

/**
 * Compares the share of requests slower than `thresholdSeconds` (a histogram bound, or raw samples).
 * @example sequentialLatencyJudge({ thresholdSeconds: 0.5 })
 */
export function sequentialLatencyJudge(options: SequentialLatencyOptions): Judge {
  const threshold = options.thresholdSeconds;
  if (!(threshold > 0 && Number.isFinite(threshold))) {
    throw new RangeError(`thresholdSeconds must be a positive number of seconds, got ${threshold}`);
  }
  return sequentialJudge(
    options.name ?? `sequential-latency-${threshold}s`,
    `share slower than ${threshold}s`,
    options,
    slowCounts(threshold),
  );
}

/** Trials and events of one version between two of its samples, or why they cannot be counted. */
export type Counts = { trials: number; events: number } | string;
/** Counts what `series` served in samples (from, to]; `from` −1 means since the counters started. */
export type Counter = (series: readonly VersionSample[], from: number, to: number) => Counts;

interface Settings {
  readonly name: string;
  readonly metric: string;
  readonly alpha: number;
  readonly beta: number;
  readonly tolerance: number;
  readonly regression: number;
  readonly minCanaryTrials: number;
  readonly acceptBelow: number | undefined;
  readonly boundaries: SprtBoundaries;
  readonly psi0: number;
  readonly psi1: number;
}

interface Totals {
  trials: number;
  events: number;
}

/** How far a judge has read one pair of series, and what it has concluded. */
interface Progress {
  readonly stable: readonly VersionSample[];
  readonly startedAtMs: number;
  canaryIndex: number;
  stableIndex: number;
  /** The aligned pair the next slice starts from; −1 means the counters' start. */
  fromCanary: number;
  fromStable: number;
  readAtMs: number;
  llr: number;
  maxLlr: number;
  ownLlr: number;
  canaryTotals: Totals;
  stableTotals: Totals;
  missing?: string;
  verdict?: Verdict;
  decidedAtMs?: number;
}

function sequentialJudge(name: string, metric: string, options: SequentialOptions, count: Counter): Judge {
  const settings = settle(name, metric, options);
  const memory = new WeakMap<readonly VersionSample[], Progress>();
  return Object.freeze({
    name,
    decide(observations: WindowObservations, now: Date): Verdict {
      const nowMs = now.getTime();
      if (Number.isNaN(nowMs))
        return verdictOf(settings, fresh(observations), 'continue', 'now is not a valid time');
      let progress = memory.get(observations.canary);
      if (!progress || !reusable(progress, observations, nowMs)) {
        progress = fresh(observations);
        memory.set(observations.canary, progress);
      }
      if (progress.verdict) return progress.verdict;
      read(settings, progress, observations, nowMs, count);
      return progress.verdict ?? pending(settings, progress);
    },
  });
}

function settle(name: string, metric: string, o: SequentialOptions): Settings {
  const alpha = o.alpha ?? 0.01;
  const beta = o.beta ?? 0.001;
  const tolerance = o.tolerance ?? 0;
  const regression = o.regression ?? 2;
  const minCanaryTrials = o.minCanaryTrials ?? 100;
  if (!(tolerance >= 0)) throw new RangeError(`tolerance must be ≥ 0, got ${tolerance}`);
  if (!(regression > 1 + tolerance)) {
    throw new RangeError(`regression must exceed 1 + tolerance (${1 + tolerance}), got ${regression}`);
  }
  if (!(minCanaryTrials >= 0)) throw new RangeError(`minCanaryTrials must be ≥ 0, got ${minCanaryTrials}`);
  if (o.acceptBelow !== undefined && !(o.acceptBelow > 0 && o.acceptBelow < 1)) {
    throw new RangeError(`acceptBelow must be a rate in (0, 1), got ${o.acceptBelow}`);
  }
  return Object.freeze({
    name,
    metric,
    alpha,
    beta,
    tolerance,
    regression,
    minCanaryTrials,
    acceptBelow: o.acceptBelow,
    boundaries: sprtBoundaries(alpha, beta),
    psi0: 1 + tolerance,
    psi1: regression,
  });
}

function fresh(o: WindowObservations): Progress {
  return {
    stable: o.stable,
    startedAtMs: o.startedAt.getTime(),
    canaryIndex: -1,
    stableIndex: -1,
    fromCanary: -1,
    fromStable: -1,
    readAtMs: -Infinity,
    llr: 0,
    maxLlr: 0,
    ownLlr: 0,
    canaryTotals: { trials: 0, events: 0 },
    stableTotals: { trials: 0, events: 0 },
  };
}

function reusable(p: Progress, o: WindowObservations, nowMs: number): boolean {
  if (p.stable !== o.stable || p.startedAtMs !== o.startedAt.getTime()) return false;
  if (p.decidedAtMs !== undefined) return p.decidedAtMs <= nowMs;
  return p.readAtMs <= nowMs;
}

/** Reads the aligned scrapes after the last one read, up to `now`, stopping at the first decision. */
function read(s: Settings, p: Progress, o: WindowObservations, nowMs: number, count: Counter): void {
  const { canary, stable } = o;
  let j = p.stableIndex;
  for (let i = p.canaryIndex + 1; i < canary.length; i++) {
    const t = (canary[i] as VersionSample).at.getTime();
    if (t > nowMs) break;
    p.canaryIndex = i;
    while (j + 1 < stable.length && (stable[j + 1] as VersionSample).at.getTime() <= t) j++;
    p.stableIndex = j;
    if (j < 0 || (stable[j] as VersionSample).at.getTime() !== t) continue;
    p.readAtMs = t;
    if (t <= p.startedAtMs) {
      p.fromCanary = i;
      p.fromStable = j;
      continue;
    }
    const c = count(canary, p.fromCanary, i);
    const st = count(stable, p.fromStable, j);
    p.fromCanary = i;
    p.fromStable = j;
    if (typeof c === 'string' || typeof st === 'string') {
      p.missing = typeof c === 'string' ? `canary: ${c}` : `stable: ${st}`;
      continue;
    }
    p.missing = undefined;
    addSlice(s, p, c, st);
    const decided = decision(s, p);
    if (decided) {
      p.decidedAtMs = t;
      p.verdict = verdictOf(s, p, decided.decision, decided.reason, new Date(t));
      return;
    }
  }
}

function addSlice(s: Settings, p: Progress, c: Totals, st: Totals): void {
  const m = c.events + st.events;
  p.llr += sliceLogLikelihoodRatio(c.events, c.trials, st.trials, m, s.psi0, s.psi1);
  p.maxLlr = Math.max(p.maxLlr, p.llr);
  if (s.acceptBelow !== undefined) {
    p.ownLlr += rateLogLikelihoodRatio(c.events, c.trials, s.acceptBelow / s.regression, s.acceptBelow);
  }
  p.canaryTotals.trials += c.trials;
  p.canaryTotals.events += c.events;
  p.stableTotals.trials += st.trials;
  p.stableTotals.events += st.events;
}

function decision(s: Settings, p: Progress): { decision: 'pass' | 'fail'; reason: string } | undefined {
  const { fail, pass } = s.boundaries;
  if (p.llr >= fail) {
    return {
      decision: 'fail',
      reason:
        `canary ${s.metric} ${describe(p.canaryTotals)} against stable ${describe(p.stableTotals)}: evidence that it is ` +
        `more than ${fmt(s.psi0)}× stable's crossed the boundary (log LR ${fmt(p.llr)} ≥ ${fmt(fail)}, α = ${s.alpha})`,
    };
  }
  if (p.canaryTotals.trials < s.minCanaryTrials) return undefined;
  if (p.llr <= pass) {
    return {
      decision: 'pass',
      reason:
        `canary ${s.metric} ${describe(p.canaryTotals)} against stable ${describe(p.stableTotals)}: evidence that it is ` +
        `not ${fmt(s.psi1)}× stable's crossed the boundary (log LR ${fmt(p.llr)} ≤ ${fmt(pass)}, β = ${s.beta})`,
    };
  }
  if (s.acceptBelow !== undefined && p.ownLlr >= -pass) {
    return {
      decision: 'pass',
      reason:
        `canary ${s.metric} ${describe(p.canaryTotals)} is below ${pct(s.acceptBelow)} with confidence ` +
        `${1 - s.beta} (log LR ${fmt(p.ownLlr)} ≥ ${fmt(-pass)})`,
    };
  }
  return undefined;
}

function pending(s: Settings, p: Progress): Verdict {
  if (p.missing) return verdictOf(s, p, 'continue', `no ${s.metric} data: ${p.missing}`);
  if (p.canaryTotals.trials === 0 || p.stableTotals.trials === 0) {
    const who = p.canaryTotals.trials === 0 ? 'the canary' : 'the stable version';
    return verdictOf(
      s,
      p,
      'continue',
      `not enough evidence yet: ${who} has served no requests in the window`,
    );
  }
  const { fail, pass } = s.boundaries;
  if (p.canaryTotals.trials < s.minCanaryTrials) {
    return verdictOf(
      s,
      p,
      'continue',
      `too little traffic: ${p.canaryTotals.trials} of ${s.minCanaryTrials} canary requests needed before passing` +
        ` (log LR ${fmt(p.llr)})`,
    );
  }
  return verdictOf(
    s,
    p,
    'continue',
    `not enough evidence yet: canary ${s.metric} ${describe(p.canaryTotals)}, stable ${describe(p.stableTotals)}; ` +
      `log LR ${fmt(p.llr)} is between ${fmt(pass)} (pass) and ${fmt(fail)} (fail)`,
  );
}

function verdictOf(
  s: Settings,
  p: Progress,
  decision: Verdict['decision'],
  reason: string,
  at?: Date,
): Verdict {
  const ratio = (t: Totals) => (t.trials > 0 ? t.events / t.trials : null);
  const c = ratio(p.canaryTotals);
  const st = ratio(p.stableTotals);
  return Object.freeze({
    decision,
    reason,
    statistic: p.llr,
    evidence: Object.freeze({
      judge: s.name,
      metric: s.metric,
      canary: { ...p.canaryTotals, ratio: c },
      stable: { ...p.stableTotals, ratio: st },
      relative: c !== null && st !== null && st > 0 ? c / st : null,
      logLikelihoodRatio: p.llr,
      boundaries: s.boundaries,
      alwaysValidPValue: Math.min(1, Math.exp(-p.maxLlr)),
      hypotheses: { tolerance: s.tolerance, regression: s.regression, alpha: s.alpha, beta: s.beta },
      minCanaryTrials: s.minCanaryTrials,
      ...(s.acceptBelow !== undefined && { acceptBelow: s.acceptBelow, ownLogLikelihoodRatio: p.ownLlr }),
      ...(at && { decidedAt: at.toISOString() }),
    }),
  });
}

/** Requests and failed requests. */
export const errorCounts: Counter = (series, from, to) => {
  const a = from >= 0 ? (series[from] as VersionSample) : undefined;
  const b = series[to] as VersionSample;
  return whole(b.requests - (a?.requests ?? 0), b.errors - (a?.errors ?? 0));
};

/** Timed requests and those slower than `threshold` seconds (a histogram bound, or raw samples). */
export function slowCounts(threshold: number): Counter {
  const slowAt = (sample: VersionSample | undefined): Totals | string => {
    if (!sample) return { trials: 0, events: 0 };
    const buckets = sample.latencyBuckets;
    if (!buckets) return 'no latency histogram';
    const at = buckets.find((b) => b.le === threshold);
    if (!at) return `the histogram has no bucket le=${threshold}`;
    const last = buckets[buckets.length - 1];
    const total = last && last.le === Infinity ? last.count : sample.requests;
    return { trials: total, events: total - at.count };
  };
  return (series, from, to) => {
    const b = series[to] as VersionSample;
    if (!b.latencyBuckets) {
      let trials = 0;
      let events = 0;
      for (let i = from + 1; i <= to; i++) {
        const own = (series[i] as VersionSample).latencySamples;
        if (!own) return 'neither a latency histogram nor latency samples';
        trials += own.length;
        for (const v of own) if (v > threshold) events++;
      }
      return { trials, events };
    }
    const later = slowAt(b);
    const earlier = slowAt(from >= 0 ? series[from] : undefined);
    if (typeof later === 'string') return later;
    if (typeof earlier === 'string') return earlier;
    return whole(later.trials - earlier.trials, later.events - earlier.events);
  };
}

/** Counter increases as whole numbers, events never more than trials. */
function whole(trials: number, events: number): Totals {
  const t = Math.max(0, Math.round(trials));
  return { trials: t, events: Math.min(t, Math.max(0, Math.round(events))) };
}

function describe(t: Totals): string {
  return `${pct(t.trials > 0 ? t.events / t.trials : 0)} of ${t.trials}`;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(x < 0.001 ? 3 : 2)}%`;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}
