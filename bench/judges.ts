/*
 * Runway's canary judges against a Flagger-style and an Argo-style baseline on the same simulated
 * traffic. See bench/judges.md for what is simulated and how to read the output.
 *
 *   node bench/judges.ts [--runs 100] [--seed 1] [--max-seconds 1800]
 */
import { parseArgs } from 'node:util';
import { allOf } from '../src/analysis/judges/all-of.ts';
import { argoBaseline } from '../src/analysis/judges/argo-baseline.ts';
import { blastRadius, withBlastRadius } from '../src/analysis/judges/blast-radius.ts';
import { comparisonJudge } from '../src/analysis/judges/comparison.ts';
import { flaggerBaseline } from '../src/analysis/judges/flagger-baseline.ts';
import type { Judge } from '../src/analysis/judges/judge.ts';
import { sequentialErrorJudge, sequentialLatencyJudge } from '../src/analysis/judges/sequential.ts';
import { HEALTHY, TrafficSimulator } from '../src/analysis/judges/traffic.fixture.ts';
import type { VersionProfile } from '../src/analysis/judges/traffic.fixture.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    'max-seconds': { type: 'string', default: '1800' },
  },
});
const RUNS = Number(args.runs);
const SEED = Number(args.seed);
const MAX_SECONDS = Number(args['max-seconds']);
const T0 = new Date('2026-03-10T10:00:00.000Z');
const LEVELS = [5, 50, 500];
const CANARY_WEIGHT = 0.1;

const SCENARIOS: Record<string, VersionProfile> = {
  healthy: HEALTHY,
  'errors 2×': { ...HEALTHY, errorRatio: 2 * HEALTHY.errorRatio },
  'errors 5×': { ...HEALTHY, errorRatio: 5 * HEALTHY.errorRatio },
  'latency +30%': { ...HEALTHY, latencyMedian: 1.3 * HEALTHY.latencyMedian },
};

const sequential = () =>
  allOf('runway-sequential', [
    sequentialErrorJudge({ alpha: 0.005, beta: 0.005 }),
    sequentialLatencyJudge({ thresholdSeconds: 0.5, alpha: 0.005, beta: 0.005 }),
  ]);

const JUDGES: Record<string, () => Judge> = {
  'runway sequential': sequential,
  'runway seq. + budget 10': () => withBlastRadius(sequential(), { maxAttributableFailures: 10 }),
  'runway comparison': () =>
    comparisonJudge({
      metrics: [{ metric: 'errors' }, { metric: 'latency' }],
      alpha: 0.01,
      intervalMs: 60_000,
      looks: 5,
    }),
  'flagger 1m×5': () => flaggerBaseline({ intervalMs: 60_000, threshold: 5 }),
  'argo 1m, limit 0': () => argoBaseline({ intervalMs: 60_000, count: 5, failureLimit: 0 }),
};

interface Outcome {
  level: number;
  scenario: string;
  judge: string;
  decision: 'pass' | 'fail' | 'none';
  seconds: number;
  attributable: number;
  canaryRequests: number;
}

/** One rollout: every judge watches the same traffic, asked every second (or at the time it names). */
function rollout(level: number, scenario: string, seed: number): Outcome[] {
  const sim = new TrafficSimulator({
    seed,
    startedAt: T0,
    requestsPerSecond: level,
    canaryWeight: CANARY_WEIGHT,
    canary: SCENARIOS[scenario] as VersionProfile,
    stable: HEALTHY,
  });
  const watching = Object.entries(JUDGES).map(([name, make]) => ({ name, judge: make(), nextAt: 0 }));
  const outcomes: Outcome[] = [];
  const record = (name: string, decision: Outcome['decision'], seconds: number) => {
    const radius = blastRadius(sim.observations, sim.now);
    outcomes.push({
      level,
      scenario,
      judge: name,
      decision,
      seconds,
      attributable: radius.attributableFailures,
      canaryRequests: radius.canaryRequests,
    });
  };
  for (let s = 1; s <= MAX_SECONDS && outcomes.length < watching.length; s++) {
    sim.advance(1);
    const now = sim.now;
    for (const w of watching) {
      if (w.nextAt < 0 || now.getTime() < w.nextAt) continue;
      const v = w.judge.decide(sim.observations, now);
      if (v.decision === 'continue') w.nextAt = v.nextAt?.getTime() ?? 0;
      else {
        w.nextAt = -1;
        record(w.name, v.decision, s);
      }
    }
  }
  for (const w of watching) if (w.nextAt >= 0) record(w.name, 'none', MAX_SECONDS);
  return outcomes;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const pct = (part: number, whole: number) => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)}%`);

interface Row {
  judge: string;
  caught2: string;
  caught5: string;
  caughtSlow: string;
  caughtAll: string;
  wrong: string;
  undecided: string;
  medianSeconds: number;
  /** Median seconds to decide per scenario, in SCENARIOS order. */
  byScenario: string;
  medianBlast: number;
  medianExposed: number;
}

function summarize(all: readonly Outcome[], judge: string): Row {
  const mine = all.filter((o) => o.judge === judge);
  const of = (scenario: string) => mine.filter((o) => o.scenario === scenario);
  const caught = (list: readonly Outcome[]) =>
    pct(list.filter((o) => o.decision === 'fail').length, list.length);
  const bad = mine.filter((o) => o.scenario !== 'healthy');
  const healthy = of('healthy');
  const errorRegressions = mine.filter((o) => o.scenario.startsWith('errors'));
  return {
    judge,
    caught2: caught(of('errors 2×')),
    caught5: caught(of('errors 5×')),
    caughtSlow: caught(of('latency +30%')),
    caughtAll: caught(bad),
    wrong: caught(healthy),
    undecided: pct(mine.filter((o) => o.decision === 'none').length, mine.length),
    medianSeconds: median(mine.map((o) => o.seconds)),
    byScenario: Object.keys(SCENARIOS)
      .map((sc) => String(median(of(sc).map((o) => o.seconds))))
      .join(' / '),
    medianBlast: median(errorRegressions.map((o) => o.attributable)),
    medianExposed: median(errorRegressions.map((o) => o.canaryRequests)),
  };
}

function table(rows: readonly Row[]): string {
  const head = [
    'judge',
    'bad caught',
    '2× caught',
    '5× caught',
    '+30% caught',
    'healthy rolled back',
    'undecided',
    'median decide s',
    'by scenario',
    'median blast radius',
    'median canary reqs',
  ];
  const body = rows.map((r) => [
    r.judge,
    r.caughtAll,
    r.caught2,
    r.caught5,
    r.caughtSlow,
    r.wrong,
    r.undecided,
    String(r.medianSeconds),
    r.byScenario,
    r.medianBlast.toFixed(1),
    String(Math.round(r.medianExposed)),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}

// run every rollout
const started = performance.now();
const outcomes: Outcome[] = [];
LEVELS.forEach((level, li) => {
  Object.keys(SCENARIOS).forEach((scenario, si) => {
    for (let run = 0; run < RUNS; run++)
      outcomes.push(...rollout(level, scenario, SEED * 1_000_003 + li * 10_007 + si * 1009 + run));
  });
});
const elapsed = (performance.now() - started) / 1000;

// print
const rollouts = LEVELS.length * Object.keys(SCENARIOS).length * RUNS;
console.log(
  `# Canary judges — ${rollouts} simulated rollouts (node ${process.version}, seed ${SEED}, ${elapsed.toFixed(1)} s)`,
);
console.log();
console.log(
  `Traffic: ${LEVELS.join(', ')} req/s in total, ${100 * CANARY_WEIGHT}% to the canary, for at most ${MAX_SECONDS} s; ` +
    `stable ${100 * HEALTHY.errorRatio}% errors, log-normal latency (median ${1000 * HEALTHY.latencyMedian} ms, σ ${HEALTHY.latencySigma}). ` +
    `Scenarios: ${Object.keys(SCENARIOS).join(', ')}; ${RUNS} rollouts each per level.`,
);
console.log(
  'Judges: runway sequential = SPRT on error ratio + SPRT on share > 0.5 s (α 0.005 each, β 0.005, regression 2×); ' +
    'the same with a blast-radius budget of 10 failed requests attributable to the canary; ' +
    'runway comparison = Mann-Whitney on errors and latency, 5 looks of 1m, α 0.01; ' +
    'flagger = DawsOS seed (1m checks, ≤ 0.5% errors, p95 ≤ 1.2 s, rollback at 5 failed, promote at 5 passed); ' +
    'argo = CompanyOS seed (1m, [5m] windows, errors < 2%, p95 < 0.5 s, count 5, failureLimit 0).',
);
console.log(
  'Columns: caught = rolled back; median decide = seconds to pass or fail, undecided counted as the deadline ' +
    `(by scenario: ${Object.keys(SCENARIOS).join(' / ')}); ` +
    'blast radius = failed requests attributable to the canary until the decision, over the error regressions (2× and 5×).',
);
const names = Object.keys(JUDGES);
for (const level of [...LEVELS, 0]) {
  const scope = level === 0 ? outcomes : outcomes.filter((o) => o.level === level);
  console.log();
  console.log(
    level === 0 ? '## All traffic levels' : `## ${level} req/s (${level * CANARY_WEIGHT} on the canary)`,
  );
  console.log();
  console.log(table(names.map((n) => summarize(scope, n))));
}

console.log();
console.log('## Aims');
console.log();
const flagger = 'flagger 1m×5';
for (const level of [...LEVELS, 0]) {
  const scope = level === 0 ? outcomes : outcomes.filter((o) => o.level === level);
  const label = level === 0 ? 'all levels' : `${level} req/s`;
  const base = summarize(scope, flagger);
  for (const judge of ['runway sequential', 'runway comparison']) {
    const r = summarize(scope, judge);
    const sooner = base.medianSeconds / r.medianSeconds;
    const mark = (ok: boolean) => (ok ? 'met' : 'missed');
    console.log(
      `- ${label}, ${judge}: catch ≥ 99% of 2× → ${r.caught2} (${mark(parseFloat(r.caught2) >= 99)}); ` +
        `wrongly roll back ≤ 1% → ${r.wrong} (${mark(parseFloat(r.wrong) <= 1)}); ` +
        `decide 10× sooner than Flagger → ${sooner.toFixed(1)}× (${r.medianSeconds} s vs ${base.medianSeconds} s, ${mark(sooner >= 10)})`,
    );
  }
}
