import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SEC, T0, drive, type Feed } from './analysis.fixture.ts';
import { createRun, runPhase, stopRun, type AnalysisRun, type StepResult } from './analysis-run.ts';
import { inFlight } from './metric-run.ts';
import { PHASE_ORDER } from './phase.ts';
import type { AnalysisPhase, RawMeasurement } from './provider.ts';
import { loadAnalysisTemplates, type AnalysisTemplate } from './template.ts';

type Token = 'ok' | 'fail' | 'inc' | 'err';
const RAW: Record<Token, RawMeasurement> = {
  ok: { value: [0.01] },
  fail: { value: [0.5] },
  inc: { value: [0.05] },
  err: { error: 'timeout' },
};

const metricSpec = fc
  .record({
    count: fc.integer({ min: 1, max: 4 }),
    unbounded: fc.boolean(),
    failureLimit: fc.integer({ min: 0, max: 2 }),
    inconclusiveLimit: fc.integer({ min: 0, max: 2 }),
    consecutiveErrorLimit: fc.integer({ min: 0, max: 4 }),
    dryRun: fc.boolean(),
    measurementRetention: fc.integer({ min: 1, max: 4 }),
    initialDelay: fc.constantFrom(undefined, '30s'),
  })
  .map((m) => ({
    success: 'result < 0.02',
    failure: 'result > 0.1',
    interval: '1m',
    ...(!m.unbounded && { count: Math.max(m.count, m.failureLimit, m.inconclusiveLimit) }),
    failureLimit: m.failureLimit,
    inconclusiveLimit: m.inconclusiveLimit,
    consecutiveErrorLimit: m.consecutiveErrorLimit,
    dryRun: m.dryRun,
    measurementRetention: m.measurementRetention,
    ...(m.initialDelay && { initialDelay: m.initialDelay }),
  }));
const tokens = fc.array(fc.constantFrom<Token>('ok', 'fail', 'inc', 'err'), { minLength: 0, maxLength: 10 });
const scenario = fc.array(fc.record({ spec: metricSpec, tokens }), { minLength: 1, maxLength: 3 });

type Scenario = { spec: Record<string, unknown>; tokens: Token[] }[];

function templateOf(s: Scenario): AnalysisTemplate {
  const metrics = s.map((m, i) => ({
    name: `m${i}`,
    provider: { prometheus: { query: `q${i}` } },
    ...m.spec,
  }));
  return loadAnalysisTemplates({ t: { metrics } }).t as AnalysisTemplate;
}

function feedOf(s: Scenario): Feed {
  return (metric, i) => {
    const token = s[Number(metric.slice(1))]?.tokens[i];
    return token === undefined ? undefined : RAW[token];
  };
}

/** Drives a scenario to its verdict; a run still going when the answers run out is stopped. */
function verdict(s: Scenario): { steps: StepResult[]; final: AnalysisPhase } {
  const steps = drive(createRun({ templates: [templateOf(s)], startedAt: T0 }), feedOf(s));
  const end = steps.at(-1) as StepResult;
  if (end.phase !== 'running') return { steps, final: end.phase };
  const at = new Date(Math.max(Date.parse(end.next.startedAt), ...end.next.metrics.flatMap(lastTime)) + SEC);
  return { steps, final: stopRun(end.next, at).phase };
}

function lastTime(m: AnalysisRun['metrics'][number]): number[] {
  const last = m.result.measurements.at(-1);
  return last ? [Date.parse(last.finishedAt)] : [];
}

const rank = (p: AnalysisPhase) => PHASE_ORDER.indexOf(p);

describe('analysis run properties', () => {
  it('monotone: turning successful measurements into failed ones never improves the verdict', () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), (s, flips) => {
        let k = 0;
        const worse: Scenario = s.map((m) => ({
          spec: m.spec,
          tokens: m.tokens.map((t) => (t === 'ok' && flips[k++ % flips.length] ? 'fail' : t)),
        }));
        assert.ok(rank(verdict(worse).final) >= rank(verdict(s).final));
      }),
      { numRuns: 150 },
    );
  });

  it('replay: the same inputs give the same outputs, also through a JSON round trip of the state', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const run = createRun({ templates: [templateOf(s)], startedAt: T0 });
        const once = drive(run, feedOf(s));
        assert.deepEqual(drive(run, feedOf(s)), once);
        assert.deepEqual(drive(run, feedOf(s), { roundTrip: true }), once);
      }),
      { numRuns: 100 },
    );
  });

  it('invariants hold at every step: verdict is the worst counted metric, counters add up, retention holds', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        for (const out of verdict(s).steps) {
          assert.equal(out.phase, runPhase(out.next.metrics));
          for (const { spec, result } of out.next.metrics) {
            assert.equal(result.count, result.successful + result.failed + result.inconclusive);
            assert.ok(result.measurements.length <= spec.measurementRetention);
            if (out.phase !== 'running') assert.equal(inFlight(result), undefined);
          }
          for (const q of out.due) {
            const m = out.next.metrics.find((x) => x.spec.name === q.metric);
            assert.ok(m && inFlight(m.result), `${q.metric} is due but not in flight`);
          }
          if (out.phase !== 'running') assert.deepEqual([out.due, out.nextAt], [[], undefined]);
          else assert.ok(out.nextAt, 'a running run always says when to look again');
        }
      }),
      { numRuns: 150 },
    );
  });
});
