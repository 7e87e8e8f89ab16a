import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MIN, SEC, T0, drive, oneMetric, values, type Feed } from './analysis.fixture.ts';
import { createRun, step, stopRun, type StepResult } from './analysis-run.ts';
import { ERROR_RETRY_INTERVAL_MS, RESULT_GRACE_MS, DEFAULT_QUERY_TIMEOUT_MS } from './metric-run.ts';

const OK = 0.01;
const BAD = 0.5;
const MEH = 0.05;
const ERR = { error: 'prometheus: connection refused' };
const both = { success: 'result < 0.02', failure: 'result > 0.1' };

function run(fields: Record<string, unknown>, feed: Feed, opts?: { latencyMs?: number }): StepResult[] {
  return drive(createRun({ templates: [oneMetric(fields)], startedAt: T0 }), feed, opts);
}
const last = (steps: StepResult[]) => steps.at(-1) as StepResult;
const metricOf = (s: StepResult) => s.next.metrics[0]?.result;
const phases = (steps: StepResult[]) => steps.map((s) => s.phase);

describe('failureLimit', () => {
  it('failureLimit 0: the first failed measurement fails the metric', () => {
    const out = last(run({ interval: '1m', count: 3 }, values(BAD, OK, OK)));
    assert.equal(out.phase, 'failed');
    assert.equal(metricOf(out)?.count, 1);
    assert.match(
      out.explanation[0] ?? '',
      /^m: 1 failed measurement exceeds failureLimit 0 \(last: result < 0.02 is false for 0.5\)/,
    );
  });

  it('failureLimit 1: one failure is tolerated, the second fails (failures must exceed the limit)', () => {
    const one = last(run({ interval: '1m', count: 3, failureLimit: 1 }, values(BAD, OK, OK)));
    assert.equal(one.phase, 'successful');
    const two = last(run({ interval: '1m', count: 3, failureLimit: 1 }, values(BAD, OK, BAD)));
    assert.equal(two.phase, 'failed');
    assert.equal(metricOf(two)?.failed, 2);
  });

  it('the run fails at the measurement that exceeds the limit, not at the end of count', () => {
    const steps = run({ interval: '1m', count: 10, failureLimit: 1 }, values(BAD, BAD, OK));
    assert.equal(last(steps).phase, 'failed');
    assert.equal(metricOf(last(steps))?.count, 2);
  });
});

describe('consecutiveFailureLimit', () => {
  it('"above 0.5% for 5 consecutive minutes": the fifth failure in a row fails, scattered ones do not', () => {
    const five = { interval: '1m', count: 12, consecutiveFailureLimit: 4 };
    const scattered = last(run(five, values(BAD, BAD, OK, BAD, BAD, BAD, BAD, OK, BAD, OK, OK, OK)));
    assert.equal(scattered.phase, 'successful');
    assert.equal(metricOf(scattered)?.failed, 7);
    const steps = run(five, values(OK, BAD, BAD, BAD, BAD, BAD, OK, OK, OK, OK, OK, OK));
    const out = last(steps);
    assert.equal(out.phase, 'failed');
    assert.equal(metricOf(out)?.count, 6, 'it fails at the fifth failure in a row');
    assert.match(
      out.explanation[0] ?? '',
      /^m: 5 consecutive failed measurements exceed consecutiveFailureLimit 4 \(last: result < 0.02 is false for 0.5\)/,
    );
  });

  it('an inconclusive measurement breaks the streak; with failureLimit both limits hold', () => {
    const streak = { interval: '1m', count: 6, consecutiveFailureLimit: 1, inconclusiveLimit: 5, ...both };
    assert.equal(last(run(streak, values(BAD, MEH, BAD, MEH, BAD, OK))).phase, 'successful');
    assert.equal(last(run(streak, values(BAD, MEH, BAD, BAD, OK, OK))).phase, 'failed');
    const withLimit = { interval: '1m', count: 6, consecutiveFailureLimit: 2, failureLimit: 1 };
    const out = last(run(withLimit, values(BAD, OK, BAD, OK)));
    assert.equal(out.phase, 'failed');
    assert.match(out.explanation[0] ?? '', /2 failed measurements exceed failureLimit 1/);
  });
});

describe('inconclusiveLimit', () => {
  it('inconclusiveLimit 0: one measurement meeting neither condition makes the metric inconclusive', () => {
    const out = last(run({ ...both, interval: '1m', count: 3 }, values(MEH, OK, OK)));
    assert.equal(out.phase, 'inconclusive');
    assert.match(out.explanation[0] ?? '', /1 inconclusive measurement exceeds inconclusiveLimit 0/);
  });

  it('inconclusiveLimit 1: the second inconclusive measurement makes it inconclusive', () => {
    assert.equal(
      last(run({ ...both, interval: '1m', count: 3, inconclusiveLimit: 1 }, values(MEH, OK, OK))).phase,
      'successful',
    );
    assert.equal(
      last(run({ ...both, interval: '1m', count: 3, inconclusiveLimit: 1 }, values(MEH, OK, MEH))).phase,
      'inconclusive',
    );
  });
});

describe('consecutiveErrorLimit', () => {
  it('default 4: four errors in a row keep running, the fifth errors the metric', () => {
    const steps = run({}, values(ERR, ERR, ERR, ERR, ERR));
    assert.equal(last(steps).phase, 'error');
    assert.equal(metricOf(last(steps))?.consecutiveError, 5);
    const four = run({}, values(ERR, ERR, ERR, ERR));
    assert.equal(last(four).phase, 'running');
  });

  it('a non-error measurement resets the streak (8 errors in all, never 5 in a row)', () => {
    const feed = values(ERR, ERR, ERR, ERR, OK, ERR, ERR, ERR, ERR, OK, OK);
    const out = last(run({ interval: '1m', count: 3 }, feed));
    assert.equal(out.phase, 'successful');
    assert.deepEqual([metricOf(out)?.error, metricOf(out)?.consecutiveError], [8, 0]);
  });

  it('consecutiveErrorLimit 0: the first error errors the metric', () => {
    const out = last(run({ consecutiveErrorLimit: 0 }, values(ERR)));
    assert.equal(out.phase, 'error');
    assert.match(
      out.explanation[0] ?? '',
      /1 consecutive error exceeds consecutiveErrorLimit 0 \(last: prometheus: connection refused\)/,
    );
  });

  it('errors do not count toward count and are retried after 10s, not after the interval', () => {
    const steps = run({ interval: '5m', count: 2 }, values(OK, ERR, OK), { latencyMs: 0 });
    const started = steps.flatMap((s) =>
      s.due.length > 0 ? [Date.parse(s.next.metrics[0]?.result.measurements.at(-1)?.startedAt ?? '')] : [],
    );
    assert.deepEqual(
      started.map((t) => t - T0.getTime()),
      [0, 5 * MIN, 5 * MIN + ERROR_RETRY_INTERVAL_MS],
    );
    assert.equal(last(steps).phase, 'successful');
    assert.deepEqual([metricOf(last(steps))?.count, metricOf(last(steps))?.error], [2, 1]);
  });
});

describe('count and interval', () => {
  it('count 3 with interval 1m: measures at 0, then 1m after each finished, then successful', () => {
    const steps = run({ interval: '1m', count: 3 }, values(OK, OK, OK), { latencyMs: 2 * SEC });
    const starts = steps
      .filter((s) => s.due.length > 0)
      .map((s) => s.next.metrics[0]?.result.measurements.at(-1)?.startedAt);
    assert.deepEqual(starts, [
      '2026-03-02T10:00:00.000Z',
      '2026-03-02T10:01:02.000Z',
      '2026-03-02T10:02:04.000Z',
    ]);
    assert.equal(last(steps).phase, 'successful');
    assert.match(last(steps).explanation[0] ?? '', /^m: successful, count 3 reached \(3 successful\)/);
  });

  it('no count and no interval: one measurement decides', () => {
    const steps = run({}, values(OK));
    assert.deepEqual(phases(steps), ['running', 'successful']);
  });

  it('an interval without count runs until the run is stopped, which makes it successful', () => {
    const steps = drive(
      createRun({ templates: [oneMetric({ interval: '1m' })], startedAt: T0 }),
      values(OK, OK, OK, OK),
    );
    const running = last(steps);
    assert.equal(running.phase, 'running');
    const stopped = stopRun(running.next, new Date(T0.getTime() + 10 * MIN), 'stopped: rollout completed');
    assert.equal(stopped.phase, 'successful');
    assert.equal(stopped.next.completedAt, '2026-03-02T10:10:00.000Z');
    assert.match(
      stopped.explanation[0] ?? '',
      /^m: successful, run stopped: rollout completed \(4 successful\)/,
    );
  });

  it('nextAt is when the next measurement is due', () => {
    const run0 = createRun({ templates: [oneMetric({ interval: '1m', count: 2 })], startedAt: T0 });
    const first = step(run0, {}, T0);
    const answered = step(first.next, { m: { value: OK } }, new Date(T0.getTime() + SEC));
    assert.equal(answered.nextAt?.toISOString(), '2026-03-02T10:01:01.000Z');
    assert.deepEqual(step(answered.next, {}, new Date(T0.getTime() + 30 * SEC)).due, []);
    assert.equal(step(answered.next, {}, answered.nextAt as Date).due.length, 1);
  });
});

describe('initialDelay', () => {
  it('the first measurement waits for initialDelay after the run started', () => {
    const run0 = createRun({ templates: [oneMetric({ initialDelay: '2m' })], startedAt: T0 });
    const early = step(run0, {}, T0);
    assert.deepEqual(early.due, []);
    assert.equal(early.nextAt?.toISOString(), '2026-03-02T10:02:00.000Z');
    assert.match(
      early.explanation[0] ?? '',
      /^m: waiting for initialDelay 120s until 2026-03-02T10:02:00.000Z/,
    );
    assert.deepEqual(step(run0, {}, new Date(T0.getTime() + 2 * MIN - 1)).due, []);
    assert.equal(step(run0, {}, new Date(T0.getTime() + 2 * MIN)).due.length, 1);
  });
});

describe('dryRun', () => {
  const template = (dry: Record<string, unknown>) => ({
    t: {
      metrics: [
        { name: 'counted', success: 'result < 0.02', provider: { prometheus: { query: 'a' } } },
        {
          name: 'shadow',
          success: 'result < 0.02',
          dryRun: true,
          provider: { prometheus: { query: 'b' } },
          ...dry,
        },
      ],
    },
  });

  it('a failing dry-run metric is computed but never fails the run', async () => {
    const { loadAnalysisTemplates } = await import('./template.ts');
    const t = loadAnalysisTemplates(template({})).t;
    const out = last(
      drive(createRun({ templates: [t!], startedAt: T0 }), (m) => ({ value: m === 'shadow' ? BAD : OK })),
    );
    assert.equal(out.phase, 'successful');
    assert.equal(out.next.metrics[1]?.result.phase, 'failed');
    assert.match(
      out.explanation[1] ?? '',
      /^shadow \(dry run, not counted\): 1 failed measurement exceeds failureLimit 0/,
    );
  });

  it('a running dry-run metric keeps the run going until it finishes', async () => {
    const { loadAnalysisTemplates } = await import('./template.ts');
    const t = loadAnalysisTemplates(template({ interval: '1m', count: 3, failureLimit: 3 })).t;
    const steps = drive(createRun({ templates: [t!], startedAt: T0 }), (m) => ({
      value: m === 'shadow' ? BAD : OK,
    }));
    assert.equal(steps[1]?.next.metrics[0]?.result.phase, 'successful');
    assert.equal(steps[1]?.phase, 'running');
    assert.equal(last(steps).phase, 'successful');
    assert.equal(last(steps).next.metrics[1]?.result.failed, 3);
  });
});

describe('measurementRetention', () => {
  it('keeps the newest N measurements while the counters keep everything', () => {
    const out = last(run({ interval: '1m', count: 5, measurementRetention: 2 }, values(OK, OK, OK, OK, OK)));
    const m = metricOf(out);
    assert.equal(m?.measurements.length, 2);
    assert.equal(m?.count, 5);
    assert.equal(m?.measurements[0]?.startedAt, '2026-03-02T10:03:03.000Z');
  });

  it('keeps 10 by default (Argo DefaultMeasurementHistoryLimit)', () => {
    const out = last(run({ interval: '1m', count: 12 }, values(...Array<number>(12).fill(OK))));
    assert.equal(metricOf(out)?.measurements.length, 10);
    assert.equal(out.phase, 'successful');
  });
});

describe('measurements in flight', () => {
  it('a result that never comes becomes an error after the provider timeout plus grace', () => {
    const first = step(createRun({ templates: [oneMetric({})], startedAt: T0 }), {}, T0);
    const deadline = T0.getTime() + DEFAULT_QUERY_TIMEOUT_MS + RESULT_GRACE_MS;
    assert.equal(first.nextAt?.getTime(), deadline);
    assert.equal(step(first.next, {}, new Date(deadline - 1)).next.metrics[0]?.result.error, 0);
    const late = step(first.next, {}, new Date(deadline));
    assert.equal(late.next.metrics[0]?.result.measurements.at(-1)?.message, 'no result within 40s of asking');
    assert.equal(late.next.metrics[0]?.result.consecutiveError, 1);
  });

  it('a result for a metric with nothing in flight is ignored and said so', () => {
    const run0 = createRun({ templates: [oneMetric({})], startedAt: T0 });
    const out = step(run0, { m: { value: BAD }, other: { value: 1 } }, T0);
    assert.equal(out.next.metrics[0]?.result.failed, 0);
    assert.deepEqual(out.explanation.slice(0, 2), [
      'm: result ignored, no measurement of it is in flight',
      'other: result ignored, no measurement of it is in flight',
    ]);
  });
});
