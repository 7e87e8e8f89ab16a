/*
 * One fixed-sample look at the window's end. The sequential tests decide early, but each restart
 * after a pass forgets the evidence before it, and their boundaries are built to hold at every
 * second, so a regression plain in the window's totals can end the window undecided. When the window
 * ends (`endsAt`), `withFinalLook` runs exact tests (the conditional test of fisher.ts, H0 "the
 * canary's odds are at most 1 + tolerance times stable's") on both versions' totals over
 *
 * - the whole window, at alpha · WHOLE_WINDOW_SHARE, and
 * - the span since the last pass of keepWatching (watch.ts), when there was one: the k-th pass
 *   (a stopping time) at alpha · (1 − WHOLE_WINDOW_SHARE) / (k·(k+1)). A regression that begins
 *   after a pass is then judged on about the seconds it lasted, not diluted by the healthy ones.
 *
 * and fails the canary when either rejects. Given what came before it, the test after the k-th
 * pass has its level whatever that past was, so summing over k and adding the whole window's, a
 * canary no worse than the tolerance is failed by the final look with probability at most alpha.
 */
import { fisherUpperTail } from './fisher.ts';
import type { Judge, VersionSample, Verdict, WindowObservations } from './judge.ts';
import type { Counter } from './sequential.ts';

/** The share of the final look's alpha spent on the whole window; the rest on the span since the last pass. */
export const WHOLE_WINDOW_SHARE = 0.5;

/** What the final look tests, and at what level. */
export interface FinalLookOptions {
  /** What is compared, for the reason: `error ratio`, `share slower than 0.05s`. */
  readonly metric: string;
  /** The level of the final look, both its tests together. */
  readonly alpha: number;
  /** H0: the canary's odds are at most (1 + tolerance) × stable's. */
  readonly tolerance: number;
  /** Counts one version's trials and events between two of its samples. */
  readonly count: Counter;
}

interface Totals {
  readonly trials: number;
  readonly events: number;
}

/** One exact test of a span of the window. */
interface Look {
  readonly span: string;
  readonly canary: Totals;
  readonly stable: Totals;
  readonly pValue: number;
  readonly alpha: number;
}

/**
 * Wraps `judge` so that, once the window has ended, exact tests of the whole window and of the span
 * since the last pass can fail the canary; before that, and when neither rejects, `judge` decides.
 * @example withFinalLook(keepWatching(...), { metric: 'error ratio', alpha: 0.0025, tolerance: 0.5, count: errorCounts })
 */
export function withFinalLook(judge: Judge, options: FinalLookOptions): Judge {
  const { alpha, tolerance } = options;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(tolerance >= 0)) throw new RangeError(`tolerance must be ≥ 0, got ${tolerance}`);
  return Object.freeze({
    name: judge.name,
    decide(observations: WindowObservations, now: Date): Verdict {
      const verdict = judge.decide(observations, now);
      const endsAt = observations.endsAt;
      if (verdict.decision === 'fail' || !endsAt || now.getTime() < endsAt.getTime()) return verdict;
      const end = alignedAtOrBefore(observations, endsAt.getTime());
      if (!end) return verdict;
      const at = (observations.canary[end[0]] as VersionSample).at;
      const looks = spans(verdict, options.alpha, observations.startedAt)
        .map(({ span, from, level }) => look(options, observations, span, from, end, level))
        .filter((l): l is Look => l !== undefined);
      if (looks.length === 0) return verdict;
      const evidence = Object.freeze({
        ...verdict.evidence,
        finalLook: Object.freeze({ at: at.toISOString(), tests: looks }),
      });
      const rejected = looks.find((l) => l.pValue <= l.alpha);
      if (rejected) {
        return Object.freeze({
          decision: 'fail',
          reason:
            `at the window's end, canary ${options.metric} ${share(rejected.canary)} against stable ` +
            `${share(rejected.stable)} ${rejected.span}: the final look's exact test finds it more than ` +
            `${1 + tolerance}× stable's (p = ${p(rejected.pValue)} ≤ α = ${p(rejected.alpha)})`,
          statistic: rejected.pValue,
          evidence: Object.freeze({ ...evidence, decidedAt: at.toISOString() }),
        });
      }
      const said = looks.map((l) => `${l.span} p = ${p(l.pValue)} > α = ${p(l.alpha)}`).join(', ');
      return Object.freeze({ ...verdict, reason: `${verdict.reason}; final look: ${said}`, evidence });
    },
  });
}

/** The spans the final look tests, each from an instant to the window's end, with its level. */
function spans(
  verdict: Verdict,
  alpha: number,
  startedAt: Date,
): { span: string; from: number; level: number }[] {
  const whole = { span: 'over the window', from: startedAt.getTime(), level: alpha * WHOLE_WINDOW_SHARE };
  const e = verdict.evidence as { passedAt?: unknown; test?: unknown };
  const passes = typeof e.test === 'number' ? e.test - 1 : 0;
  if (typeof e.passedAt !== 'string' || passes < 1) return [whole];
  const level = (alpha * (1 - WHOLE_WINDOW_SHARE)) / (passes * (passes + 1));
  return [whole, { span: `since the pass at ${e.passedAt}`, from: Date.parse(e.passedAt), level }];
}

/** The exact test on both versions' totals between the scrape at or before `from` and `end`. */
function look(
  o: FinalLookOptions,
  w: WindowObservations,
  span: string,
  from: number,
  end: readonly [number, number],
  level: number,
): Look | undefined {
  const start = alignedAtOrBefore(w, from) ?? [-1, -1];
  if (start[0] >= end[0]) return undefined;
  const canary = o.count(w.canary, start[0], end[0]);
  const stable = o.count(w.stable, start[1], end[1]);
  if (typeof canary === 'string' || typeof stable === 'string') return undefined;
  if (canary.trials === 0 || stable.trials === 0) return undefined;
  const m = canary.events + stable.events;
  const pValue =
    m === 0 ? 1 : fisherUpperTail(canary.events, canary.trials, stable.trials, m, 1 + o.tolerance);
  return Object.freeze({ span, canary, stable, pValue, alpha: level });
}

/** Indexes of the newest scrape of both versions (equal `at`) at or before `t`. */
function alignedAtOrBefore(w: WindowObservations, t: number): [number, number] | undefined {
  let j = w.stable.length - 1;
  for (let i = w.canary.length - 1; i >= 0; i--) {
    const ct = (w.canary[i] as VersionSample).at.getTime();
    if (ct > t) continue;
    while (j >= 0 && (w.stable[j] as VersionSample).at.getTime() > ct) j--;
    if (j < 0) return undefined;
    if ((w.stable[j] as VersionSample).at.getTime() === ct) return [i, j];
  }
  return undefined;
}

function share(t: Totals): string {
  return `${((100 * t.events) / t.trials).toFixed(2)}% of ${t.trials}`;
}

function p(x: number): string {
  return x.toPrecision(2);
}
