import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SEC, T0, drive, seedTemplates, values, type Feed } from './analysis.fixture.ts';
import { createRun, runPhase, step, stopRun, type AnalysisRun, type StepResult } from './analysis-run.ts';
import { PHASE_ORDER, worstPhase } from './phase.ts';
import type { AnalysisTemplate } from './template.ts';

const seeds = seedTemplates();
const args = { service: 'checkout-api' };
const seedRun = (...names: string[]) =>
  createRun({ templates: names.map((n) => seeds[n] as AnalysisTemplate), args, startedAt: T0 });
const last = (steps: StepResult[]) => steps.at(-1) as StepResult;
const byMetric =
  (answers: Record<string, unknown>): Feed =>
  (metric) => ({ value: answers[metric] });

describe('the seed templates on hand-made measurements', () => {
  it('smoke-check: health endpoint answers 200 → successful', () => {
    const steps = drive(seedRun('smoke-check'), values(200));
    assert.deepEqual(steps[0]?.due, [
      {
        metric: 'health-endpoint',
        provider: {
          kind: 'web',
          url: 'http://checkout-api.production:4000/health',
          method: 'GET',
          headers: {},
          timeoutMs: 10_000,
        },
      },
    ]);
    assert.equal(last(steps).phase, 'successful');
    assert.deepEqual(last(steps).explanation, [
      'health-endpoint: successful, count 1 reached (1 successful)',
      'run successful: all 1 counted metrics successful',
    ]);
  });

  it('smoke-check: health endpoint answers 503 → failed', () => {
    assert.equal(last(drive(seedRun('smoke-check'), values(503))).phase, 'failed');
  });

  it('slo-burn-check: error rate 0.03 (a one-series vector) → failed, with the reason', () => {
    const steps = drive(seedRun('slo-burn-check'), byMetric({ 'error-rate': [0.03], 'latency-p95': [0.21] }));
    const out = last(steps);
    assert.equal(out.phase, 'failed');
    assert.equal(
      out.next.message,
      'error-rate failed: 1 failed measurement exceeds failureLimit 0 (last: result < 0.02 is false for [0.03])',
    );
    assert.deepEqual(out.explanation, [
      'error-rate: 1 failed measurement exceeds failureLimit 0 (last: result < 0.02 is false for [0.03])',
      'latency-p95: successful, count 1 reached (1 successful)',
      'run failed: error-rate failed: 1 failed measurement exceeds failureLimit 0 (last: result < 0.02 is false for [0.03])',
    ]);
  });

  it('slo-burn-check: error rate 0.004 and p95 0.21s → successful', () => {
    const out = last(
      drive(seedRun('slo-burn-check'), byMetric({ 'error-rate': [0.004], 'latency-p95': [0.21] })),
    );
    assert.equal(out.phase, 'successful');
  });

  it('slo-burn-check: no traffic gives NaN, which fails result < 0.02 as in Argo', () => {
    const out = last(
      drive(seedRun('slo-burn-check'), byMetric({ 'error-rate': [NaN], 'latency-p95': [NaN] })),
    );
    assert.equal(out.phase, 'failed');
    assert.deepEqual(out.next.metrics[0]?.result.measurements[0]?.value, ['NaN']);
  });

  it('synthetic-check: golden path "fail" → failed; "pass" → successful', () => {
    assert.equal(last(drive(seedRun('synthetic-check'), values('fail'))).phase, 'failed');
    assert.equal(last(drive(seedRun('synthetic-check'), values('pass'))).phase, 'successful');
  });

  it('a provider error is a measurement, retried, and errors the run after 5 in a row', () => {
    const out = last(
      drive(seedRun('synthetic-check'), () => ({ error: 'job golden-path: image pull failed' })),
    );
    assert.equal(out.phase, 'error');
    assert.match(
      out.next.message ?? '',
      /5 consecutive errors exceed consecutiveErrorLimit 4 \(last: job golden-path: image pull failed\)/,
    );
  });
});

describe('the run verdict', () => {
  it('ranks phases successful < running < inconclusive < error < failed', () => {
    assert.deepEqual(PHASE_ORDER, ['successful', 'running', 'inconclusive', 'error', 'failed']);
    assert.equal(worstPhase(['successful', 'error', 'inconclusive']), 'error');
    assert.equal(worstPhase(['failed', 'error']), 'failed');
    assert.equal(worstPhase(['running', 'successful']), 'running');
    assert.equal(worstPhase([]), 'successful');
  });

  it('is the worst metric: one inconclusive metric ends the run inconclusive while another still runs', () => {
    const templates = [seeds['slo-burn-check'] as AnalysisTemplate];
    const run0 = createRun({ templates, args, startedAt: T0 });
    const first = step(run0, {}, T0);
    const patched: AnalysisRun = {
      ...first.next,
      metrics: first.next.metrics.map((m, i) =>
        i === 0 ? { ...m, spec: { ...m.spec, failureCondition: 'result > 0.1' } } : m,
      ),
    };
    const out = step(patched, { 'error-rate': { value: [0.05] } }, new Date(T0.getTime() + SEC));
    assert.equal(out.phase, 'inconclusive');
    assert.equal(out.next.metrics[1]?.result.phase, 'successful');
    assert.deepEqual(out.next.metrics[1]?.result.measurements, [], 'the in-flight latency query was dropped');
    assert.match(
      out.explanation[1] ?? '',
      /^latency-p95: successful, run ended inconclusive before this metric finished/,
    );
  });

  it('runPhase ignores finished dry-run metrics but waits for running ones', () => {
    const run0 = seedRun('slo-burn-check');
    const [a, b] = run0.metrics;
    const set = (m: typeof a, phase: 'failed' | 'running' | 'successful', dryRun: boolean) =>
      ({ ...m, result: { ...m?.result, phase, dryRun } }) as NonNullable<typeof a>;
    assert.equal(runPhase([set(a, 'successful', false), set(b, 'failed', true)]), 'successful');
    assert.equal(runPhase([set(a, 'successful', false), set(b, 'running', true)]), 'running');
    assert.equal(runPhase([set(a, 'failed', false), set(b, 'running', true)]), 'failed');
  });
});

describe('run state', () => {
  it('survives JSON: a step on the parsed state gives the same result', () => {
    const first = step(seedRun('slo-burn-check'), {}, T0);
    const copy = JSON.parse(JSON.stringify(first.next)) as AnalysisRun;
    const answers = { 'error-rate': { value: [0.01] }, 'latency-p95': { value: [0.7] } };
    const now = new Date(T0.getTime() + SEC);
    assert.deepEqual(step(copy, answers, now), step(first.next, answers, now));
  });

  it('a finished run does not change, and says so', () => {
    const done = last(drive(seedRun('smoke-check'), values(200)));
    const again = step(done.next, { 'health-endpoint': { value: 500 } }, new Date(T0.getTime() + 60 * SEC));
    assert.equal(again.next, done.next);
    assert.deepEqual(again.due, []);
    assert.equal(again.nextAt, undefined);
    assert.equal(again.explanation[0], 'health-endpoint: result ignored, no measurement of it is in flight');
    assert.equal(stopRun(done.next, new Date(T0.getTime() + 60 * SEC)).next, done.next);
  });

  it('stopping a run before its first measurement is successful (Argo: terminated)', () => {
    const out = stopRun(seedRun('smoke-check'), T0, 'stopped: rollout aborted');
    assert.equal(out.phase, 'successful');
    assert.match(
      out.explanation[0] ?? '',
      /^health-endpoint: successful, run stopped: rollout aborted \(no measurements\)/,
    );
  });

  it('explains a running run: what is in flight and when it next looks', () => {
    const first = step(seedRun('smoke-check'), {}, T0);
    assert.deepEqual(first.explanation, [
      'health-endpoint: measuring since 2026-03-02T10:00:00.000Z; 0 of 1 taken',
      'run running: waiting for health-endpoint; next look at 2026-03-02T10:00:20.000Z',
    ]);
  });
});
