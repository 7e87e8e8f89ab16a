/*
 * The judges as runway.yaml configures them (judge-metric.ts: sequential, a pass holding until the
 * window ends) over a 600 s step, on scenarios bench/judges.ts does not have: late onsets,
 * over-dispersed error counts, a latency regression on a fast service, canary rates 0.5–100 req/s.
 * Prints one table per traffic band and regression kind. See bench/judges.md.
 *
 *   node bench/judges-watch.ts [--runs 40] [--seed 1] [--horizon 600] [--beta 0.01]
 *
 * Without --beta the judges take runway.yaml's default (0.001).
 */
import { parseArgs } from 'node:util';
import { buildJudge, FINAL_LOOK_SHARE } from '../src/analysis/judge-metric.ts';
import { allOf } from '../src/analysis/judges/all-of.ts';
import type { Judge, VersionSample } from '../src/analysis/judges/judge.ts';
import { Random } from '../src/analysis/judges/traffic.fixture.ts';
import { normalCdf, normalQuantile } from '../src/analysis/judges/normal.ts';
import { fisherUpperTail } from '../src/analysis/judges/fisher.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '40' },
    seed: { type: 'string', default: '1' },
    horizon: { type: 'string', default: '600' },
    /** The judges' `beta`; runway.yaml's default when absent. */
    beta: { type: 'string' },
  },
});
const RUNS = Number(args.runs);
const SEED = Number(args.seed);
const HORIZON = Number(args.horizon);
const BETA = args.beta === undefined ? undefined : Number(args.beta);
const T0 = new Date('2026-03-10T10:00:00.000Z');
/** Canary requests per second; the canary takes 25% of the traffic. */
const CANARY_RATES = [0.5, 5, 50, 100];
const WEIGHT = 0.25;
const ERROR_RATIO = 0.005;
/** A fast service: log-normal latency, median 40 ms, σ 0.3; the judge counts requests over 50 ms. */
const MEDIAN = 0.04;
const SIGMA = 0.3;
const THRESHOLD = 0.05;
const ONSET = 240;
/** The judges' tolerance: a canary up to 1.5× stable counts as healthy. */
const TOLERANCE = 0.5;
/** A step's window has an end: the judges make their final look there. */
const WINDOW = { bounded: true };

interface Scenario {
  /** What kind of regression, for the tables; `healthy` for none. */
  readonly kind: 'healthy' | 'errors' | 'latency';
  /** Error-ratio and latency multipliers of the canary from `onset` on. */
  readonly errors: number;
  readonly latency: number;
  readonly onset: number;
  /** Coefficient of variation of a per-second factor on each version's error ratio (0: binomial). */
  readonly dispersion: number;
}

const SCENARIOS: Record<string, Scenario> = {
  healthy: { kind: 'healthy', errors: 1, latency: 1, onset: 0, dispersion: 0 },
  'healthy, over-dispersed': { kind: 'healthy', errors: 1, latency: 1, onset: 0, dispersion: 1 },
  'errors 3× from the start': { kind: 'errors', errors: 3, latency: 1, onset: 0, dispersion: 0 },
  'errors 5× at 240 s': { kind: 'errors', errors: 5, latency: 1, onset: ONSET, dispersion: 0 },
  'errors 5× at 240 s, over-dispersed': {
    kind: 'errors',
    errors: 5,
    latency: 1,
    onset: ONSET,
    dispersion: 1,
  },
  'latency 2× at 240 s': { kind: 'latency', errors: 1, latency: 2, onset: ONSET, dispersion: 0 },
};

/** The judge a runway.yaml template would hold: both sequential judges, α 0.005 each. */
function judge(): Judge {
  return allOf('runway.yaml', [
    buildJudge(
      {
        kind: 'sequential-errors',
        alpha: 0.005,
        ...(BETA !== undefined && { beta: BETA }),
        tolerance: TOLERANCE,
        regression: 3,
        minCanaryTrials: 50,
        acceptBelow: 0.02,
      },
      WINDOW,
    ),
    buildJudge(
      {
        kind: 'sequential-latency',
        thresholdSeconds: THRESHOLD,
        alpha: 0.005,
        ...(BETA !== undefined && { beta: BETA }),
        tolerance: TOLERANCE,
        regression: 3,
        minCanaryTrials: 50,
      },
      WINDOW,
    ),
  ]);
}

/** Share of requests slower than THRESHOLD for a median latency. */
const slowShare = (median: number) => 1 - normalCdf(Math.log(THRESHOLD / median) / SIGMA);

/** A gamma-distributed factor with mean 1 and coefficient of variation `cv` (Marsaglia–Tsang). */
function gammaFactor(random: Random, cv: number): number {
  if (cv === 0) return 1;
  const k = 1 / (cv * cv);
  const d = (k < 1 ? k + 1 : k) - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = random.normal();
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = random.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
      const g = d * v * (k < 1 ? random.next() ** (1 / k) : 1);
      return g / k;
    }
  }
}

function binomial(random: Random, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random.next() < p) k++;
  return k;
}

class Version {
  readonly samples: VersionSample[] = [];
  requests = 0;
  errors = 0;
  slow = 0;

  serve(random: Random, rate: number, errorRatio: number, slowRatio: number, dispersion: number): void {
    const n = random.poisson(rate);
    this.requests += n;
    this.errors += binomial(random, n, Math.min(1, errorRatio * gammaFactor(random, dispersion)));
    this.slow += binomial(random, n, slowRatio);
  }

  sample(at: Date): void {
    this.samples.push({
      at,
      requests: this.requests,
      errors: this.errors,
      latencyBuckets: [
        { le: THRESHOLD, count: this.requests - this.slow },
        { le: Infinity, count: this.requests },
      ],
    });
  }
}

interface Outcome {
  readonly rate: number;
  readonly scenario: string;
  readonly decision: 'fail' | 'pass' | 'continue';
  readonly seconds: number;
  /**
   * Whether the ideal test detects the regression: told the onset, it compares the canary's events
   * after the onset with stable's on the same seconds, to the window's end, by one exact conditional
   * test (fisher.ts) of the judge's own null, "the canary is at most 1 + tolerance × stable's", at
   * the judge's α. A test a real system could run if it knew when the regression began.
   */
  readonly detectable: boolean;
  /** Whether the old oracle, which knows stable's TRUE ratio (no system does), detects it. */
  readonly oracle: boolean;
}

/** The one-sided level of the ideal test: the α of each judge. */
const IDEAL_ALPHA = 0.005;
const Z = normalQuantile(1 - IDEAL_ALPHA);

function rollout(rate: number, name: string, seed: number): Outcome {
  const sc = SCENARIOS[name] as Scenario;
  const random = new Random(seed);
  const canary = new Version();
  const stable = new Version();
  const endsAt = new Date(T0.getTime() + HORIZON * 1000);
  const observations = { startedAt: T0, endsAt, canary: canary.samples, stable: stable.samples };
  canary.sample(T0);
  stable.sample(T0);
  const j = judge();
  let after = { requests: 0, events: 0, stableRequests: 0, stableEvents: 0 };
  const baseSlow = slowShare(MEDIAN);
  let decision: Outcome['decision'] = 'continue';
  let seconds = HORIZON;
  // the whole window is served, so that the ideal test sees it all; the judge stops at its fail
  for (let s = 1; s <= HORIZON; s++) {
    const on = s > sc.onset;
    const before = { requests: canary.requests, errors: canary.errors, slow: canary.slow };
    const stableBefore = { requests: stable.requests, errors: stable.errors, slow: stable.slow };
    canary.serve(
      random,
      rate,
      ERROR_RATIO * (on ? sc.errors : 1),
      slowShare(MEDIAN * (on ? sc.latency : 1)),
      sc.dispersion,
    );
    stable.serve(random, (rate * (1 - WEIGHT)) / WEIGHT, ERROR_RATIO, baseSlow, sc.dispersion);
    const at = new Date(T0.getTime() + s * 1000);
    canary.sample(at);
    stable.sample(at);
    if (on) {
      const events = sc.kind === 'latency' ? canary.slow - before.slow : canary.errors - before.errors;
      const stableEvents =
        sc.kind === 'latency' ? stable.slow - stableBefore.slow : stable.errors - stableBefore.errors;
      after = {
        requests: after.requests + canary.requests - before.requests,
        events: after.events + events,
        stableRequests: after.stableRequests + stable.requests - stableBefore.requests,
        stableEvents: after.stableEvents + stableEvents,
      };
    }
    if (decision === 'fail') continue;
    const v = j.decide(observations, at);
    decision = v.decision;
    if (v.decision === 'fail') seconds = s;
  }
  const bad = sc.kind !== 'healthy';
  const m = after.events + after.stableEvents;
  const p =
    m === 0 ? 1 : fisherUpperTail(after.events, after.requests, after.stableRequests, m, 1 + TOLERANCE);
  const p0 = sc.kind === 'latency' ? baseSlow : ERROR_RATIO;
  const z = (after.events - after.requests * p0) / Math.sqrt(after.requests * p0 * (1 - p0) || 1);
  return {
    rate,
    scenario: name,
    decision,
    seconds,
    detectable: bad && p <= IDEAL_ALPHA,
    oracle: bad && z >= Z,
  };
}

const pct = (part: number, whole: number) => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)}%`);

function row(list: readonly Outcome[]): string[] {
  const healthy = SCENARIOS[list[0]?.scenario ?? '']?.kind === 'healthy';
  const n = list.length;
  const fail = list.filter((o) => o.decision === 'fail').length;
  const pass = list.filter((o) => o.decision === 'pass').length;
  const undecided = n - fail - pass;
  const detectable = list.filter((o) => o.detectable);
  const caught = detectable.filter((o) => o.decision === 'fail').length;
  const failTimes = list.filter((o) => o.decision === 'fail').map((o) => o.seconds);
  failTimes.sort((a, b) => a - b);
  const median = failTimes.length > 0 ? String(failTimes[failTimes.length >> 1]) : '–';
  return healthy
    ? [pct(fail, n), pct(pass, n), pct(undecided, n), '–', '–', '–', '–', '–']
    : [
        '–',
        '–',
        pct(undecided, n),
        pct(pass, n),
        pct(fail, n),
        `${detectable.length}/${n}`,
        pct(caught, detectable.length),
        median,
      ];
}

// run every rollout
const started = performance.now();
const outcomes: Outcome[] = [];
CANARY_RATES.forEach((rate, ri) => {
  Object.keys(SCENARIOS).forEach((name, si) => {
    for (let run = 0; run < RUNS; run++) {
      outcomes.push(rollout(rate, name, SEED * 1_000_003 + ri * 10_007 + si * 1009 + run));
    }
  });
});
const elapsed = (performance.now() - started) / 1000;

// print
console.log(
  `# Judges from runway.yaml over ${HORIZON} s — ${outcomes.length} simulated rollouts (node ${process.version}, seed ${SEED}, ${elapsed.toFixed(1)} s)`,
);
console.log();
console.log(
  `Canary at ${100 * WEIGHT}% of the traffic, ${CANARY_RATES.join(', ')} canary req/s; stable ${100 * ERROR_RATIO}% errors, ` +
    `latency log-normal (median ${1000 * MEDIAN} ms, σ ${SIGMA}); judge: sequential-errors (tolerance 0.5, regression 3, ` +
    `α 0.005, β ${BETA ?? 'default'}, acceptBelow 0.02) and sequential-latency (> ${THRESHOLD} s, tolerance 0.5, regression 3, α 0.005, β ${BETA ?? 'default'}), ` +
    `each a pass that holds only until the window ends, and a final exact look at the window's end (${100 * FINAL_LOOK_SHARE}% of each α); asked every second. Over-dispersed: each version's ` +
    `error ratio times an independent gamma factor (mean 1, CV 1) each second. ${RUNS} rollouts per cell.`,
);
const head = [
  'canary req/s',
  'scenario',
  'healthy rolled back',
  'healthy promoted',
  'undecided',
  'bad promoted',
  'bad rolled back',
  'ideal-detectable',
  'detectable caught',
  'median s to roll back',
];
const body: string[][] = [];
for (const rate of CANARY_RATES) {
  for (const name of Object.keys(SCENARIOS)) {
    body.push([String(rate), name, ...row(outcomes.filter((o) => o.rate === rate && o.scenario === name))]);
  }
}
const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
const line = (cells: readonly string[]) =>
  `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
console.log();
console.log(line(head));
console.log(`|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const b of body) console.log(line(b));

console.log();
console.log('## Aims');
const bad = outcomes.filter((o) => SCENARIOS[o.scenario]?.kind !== 'healthy');
const healthy = outcomes.filter((o) => SCENARIOS[o.scenario]?.kind === 'healthy');
const plainHealthy = outcomes.filter((o) => o.scenario === 'healthy');
const detectable = bad.filter((o) => o.detectable);
const busy = plainHealthy.filter((o) => o.rate >= 5);
const mark = (ok: boolean) => (ok ? 'met' : 'missed');
const oracle = bad.filter((o) => o.oracle);
const caughtOracle = oracle.filter((o) => o.decision === 'fail').length;
const promotedBad = bad.filter((o) => o.decision === 'pass').length;
const caught = detectable.filter((o) => o.decision === 'fail').length;
const wrong = healthy.filter((o) => o.decision === 'fail').length;
const wrongPlain = plainHealthy.filter((o) => o.decision === 'fail').length;
const promoted = busy.filter((o) => o.decision === 'pass').length;
console.log(`- 0 bad canaries promoted → ${promotedBad} of ${bad.length} (${mark(promotedBad === 0)})`);
console.log(
  `- ≥ 99% of ideal-detectable regressions caught → ${pct(caught, detectable.length)} of ${detectable.length} (${mark(caught >= 0.99 * detectable.length)})`,
);
const busyDetectable = detectable.filter((o) => o.rate >= 5);
const busyCaught = busyDetectable.filter((o) => o.decision === 'fail').length;
console.log(
  `  from 5 canary req/s up: ${pct(busyCaught, busyDetectable.length)} of ${busyDetectable.length}`,
);
console.log(
  `  ideal: told the onset, one exact conditional test (Fisher's, odds ratio ${1 + TOLERANCE}) of the canary's ` +
    `events after the onset against stable's on the same seconds to the window's end, one-sided at α ${IDEAL_ALPHA}`,
);
console.log(
  `  (for reference, against an oracle that knows stable's true ratio, which no system does: ${pct(caughtOracle, oracle.length)} of ${oracle.length})`,
);
console.log(
  `- ≤ 1% of healthy canaries rolled back → ${pct(wrong, healthy.length)} (binomial counts: ${pct(wrongPlain, plainHealthy.length)}) (${mark(wrong <= 0.01 * healthy.length)})`,
);
console.log(
  `- ≥ 95% of healthy canaries at ≥ 5 canary req/s promoted → ${pct(promoted, busy.length)} (${mark(promoted >= 0.95 * busy.length)})`,
);
