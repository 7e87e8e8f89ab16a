import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { drive, T0, type Feed } from './analysis.fixture.ts';
import { createRun, type StepResult } from './analysis-run.ts';
import { formatAnalysisIssue } from './fields.ts';
import type { CountersValue } from './judge-metric.ts';
import { parseAnalysisTemplates, type AnalysisTemplate } from './template.ts';

const args = { service: 'checkout-api', 'canary.version': 'v2', 'stable.version': 'v1' };

function template(metric: Record<string, unknown>): AnalysisTemplate {
  const { templates, issues } = parseAnalysisTemplates({ t: { metrics: [metric] } });
  assert.deepEqual(issues, []);
  return templates['t'] as AnalysisTemplate;
}

function problems(metric: Record<string, unknown>): string[] {
  return parseAnalysisTemplates({ t: { metrics: [metric] } }).issues.map(formatAnalysisIssue);
}

const ERRORS = {
  name: 'errors',
  provider: { builtin: {} },
  interval: '1s',
  count: 60,
  judge: { 'sequential-errors': { tolerance: 0.2, regression: 2, alpha: 0.01 } },
};

/** Scrape i: 1000 more requests per version; stable fails 1%, the canary `ratio(i)`. */
function scrapes(ratio: (i: number) => number): Feed {
  let canaryErrors = 0;
  return (_metric, i) => {
    canaryErrors += i === 0 ? 0 : Math.round(1000 * ratio(i));
    const value: CountersValue = {
      canary: { requests: 1000 * i, errors: canaryErrors },
      stable: { requests: 1000 * i, errors: 10 * i },
    };
    return { value };
  };
}

const lastOf = (steps: StepResult[]) => steps.at(-1) as StepResult;

describe('judge: in an analysis template', () => {
  it('a judged metric reads both versions from the builtin provider and needs no conditions', () => {
    const t = template(ERRORS);
    assert.deepEqual(t.metrics[0]?.judge, {
      kind: 'sequential-errors',
      tolerance: 0.2,
      regression: 2,
      alpha: 0.01,
    });
    assert.deepEqual(t.metrics[0]?.provider, {
      kind: 'builtin',
      metric: 'counters',
      version: 'canary',
      windowMs: 0,
    });
  });

  it('bad judge settings are errors at their field', () => {
    assert.deepEqual(problems({ ...ERRORS, judge: { sprt: {} } }), [
      'analysis.t.metrics[0].judge.sprt: unknown key "sprt"; expected one of sequential-errors, sequential-latency, comparison',
      'analysis.t.metrics[0].judge: expected exactly one judge of sequential-errors, sequential-latency, comparison, got 0',
    ]);
    assert.deepEqual(
      problems({ ...ERRORS, judge: { 'sequential-errors': { regression: 1.1, tolerance: 0.2 } } }),
      [
        'analysis.t.metrics[0].judge.sequential-errors.regression: regression must exceed 1 + tolerance (1.2), got 1.1',
      ],
    );
    assert.deepEqual(problems({ ...ERRORS, judge: { 'sequential-errors': { beta: 'low' } } }), [
      'analysis.t.metrics[0].judge.sequential-errors.beta: expected a number, got "low"',
    ]);
    assert.deepEqual(problems({ ...ERRORS, judge: { 'sequential-errors': { warmupSeconds: -2 } } }), [
      'analysis.t.metrics[0].judge.sequential-errors.warmupSeconds: warmupSeconds must be a number of seconds ≥ 0, got -2',
    ]);
    assert.deepEqual(problems({ ...ERRORS, judge: { 'sequential-latency': {} } }), [
      'analysis.t.metrics[0].judge.sequential-latency.thresholdSeconds: is required (a latency histogram bound in seconds, e.g. 0.05)',
    ]);
  });

  it('the comparison judge: its metric is required, words and numbers are checked at their field', () => {
    assert.deepEqual(
      template({ ...ERRORS, judge: { comparison: { metric: 'latency', looks: 3 } } }).metrics[0]?.judge,
      {
        kind: 'comparison',
        metric: 'latency',
        looks: 3,
      },
    );
    assert.deepEqual(problems({ ...ERRORS, judge: { comparison: {} } }), [
      'analysis.t.metrics[0].judge.comparison.metric: is required (one of errors, latency)',
    ]);
    assert.deepEqual(problems({ ...ERRORS, judge: { comparison: { metric: 'errors', windowSize: 3 } } }), [
      'analysis.t.metrics[0].judge.comparison.windowSize: unknown key "windowSize"; expected one of metric, direction, tolerance, quantile, alpha, looks, lookEverySeconds, minSamples, detect, power',
    ]);
    assert.deepEqual(problems({ ...ERRORS, judge: { comparison: { metric: 'p95', direction: 'up' } } }), [
      'analysis.t.metrics[0].judge.comparison.metric: expected one of errors, latency, got "p95"',
      'analysis.t.metrics[0].judge.comparison.direction: expected one of increase, decrease, either, got "up"',
    ]);
    assert.deepEqual(problems({ ...ERRORS, judge: { comparison: { metric: 'errors', looks: 0 } } }), [
      'analysis.t.metrics[0].judge.comparison.looks: looks must be ≥ 1, got 0',
    ]);
    assert.deepEqual(
      problems({ ...ERRORS, judge: { comparison: { metric: 'errors', lookEverySeconds: -1 } } }),
      ['analysis.t.metrics[0].judge.comparison.lookEverySeconds: lookEverySeconds must be > 0, got -1'],
    );
  });

  it('a judged metric takes no conditions, needs an interval and the builtin provider', () => {
    assert.deepEqual(problems({ ...ERRORS, success: 'result < 1' }), [
      'analysis.t.metrics[0].success: a metric with a judge takes no conditions: the judge decides',
    ]);
    const { interval: _, count: __, ...once } = ERRORS;
    assert.deepEqual(problems(once), [
      'analysis.t.metrics[0]: a metric with a judge needs an interval: it scrapes both versions that often and keeps watching',
    ]);
    assert.match(
      problems({ ...ERRORS, provider: { web: { url: 'http://x' } } })[0] ?? '',
      /^analysis\.t\.metrics\[0\]\.provider\.web: a judge reads both versions' counters/,
    );
    assert.deepEqual(problems({ ...ERRORS, provider: { prometheus: { query: 'up' } } }), [
      'analysis.t.metrics[0].provider.prometheus.query: unknown key "query"; expected one of requests, errors, buckets, address',
      'analysis.t.metrics[0].provider.prometheus.requests: is required',
      'analysis.t.metrics[0].provider.prometheus.errors: is required',
    ]);
    assert.deepEqual(
      problems({
        ...ERRORS,
        provider: { prometheus: { requests: 'sum(a{v="{{version}}"})', errors: 'sum(b)' } },
      }),
      [
        'analysis.t.metrics[0].provider.prometheus.errors: a judge asks this query once per version: it needs {{version}} in its selector',
      ],
    );
  });
});

it('a judged metric asks Prometheus once per version, {{version}} kept until then', () => {
  const t = template({
    ...ERRORS,
    provider: {
      prometheus: {
        requests: 'sum(http_requests_total{service="{{service}}",version="{{version}}"})',
        errors: 'sum(http_requests_total{service="{{service}}",version="{{version}}",code=~"5.."})',
      },
    },
  });
  const run = createRun({ templates: [t], args, startedAt: T0 });
  assert.deepEqual(run.metrics[0]?.spec.query.provider, {
    kind: 'prometheus',
    query: 'sum(http_requests_total{service="checkout-api",version="{{version}}"})',
    counters: {
      requests: 'sum(http_requests_total{service="checkout-api",version="{{version}}"})',
      errors: 'sum(http_requests_total{service="checkout-api",version="{{version}}",code=~"5.."})',
    },
  });
});

describe('a judged metric in a run', () => {
  const run = () => createRun({ templates: [template(ERRORS)], args, startedAt: T0 });

  it('a healthy canary passes when its window of 60 scrapes ends, not before', () => {
    const steps = drive(
      run(),
      scrapes(() => 0.01),
      { roundTrip: true },
    );
    const passedEarly = steps.find((s) => s.next.metrics[0]?.result.successful === 1);
    const at = passedEarly?.next.metrics[0]?.result.count ?? Infinity;
    assert.ok(at < 30, `first pass at scrape ${at}`);
    assert.equal(passedEarly?.phase, 'running', 'a pass does not end the window');
    assert.equal(lastOf(steps).phase, 'successful');
    assert.equal(lastOf(steps).next.metrics[0]?.result.count, 60);
  });

  it('a regression that starts after an early pass fails the run before the window ends', () => {
    const steps = drive(
      run(),
      scrapes((i) => (i <= 30 ? 0.01 : 0.2)),
      { roundTrip: true },
    );
    const out = lastOf(steps);
    assert.equal(out.phase, 'failed');
    const result = out.next.metrics[0]?.result;
    assert.ok(result && result.successful > 0, 'it had passed first');
    assert.ok(result.count < 45, `failed after ${result.count} scrapes`);
    assert.match(out.next.message ?? '', /sequential-errors fail: canary error ratio .* after passing at/);
  });

  it('a window that ends without enough evidence is inconclusive, never successful', () => {
    const quiet: Feed = (_m, i) => ({
      value: { canary: { requests: i, errors: 0 }, stable: { requests: i, errors: 0 } },
    });
    const out = lastOf(drive(run(), quiet));
    assert.equal(out.phase, 'inconclusive');
    assert.match(out.next.message ?? '', /window of 60 measurements ended without a pass/);
  });

  it('the window’s last scrape makes the final look: a mild regression the sequential test passed fails there', () => {
    const steps = drive(
      run(),
      scrapes(() => 0.014),
      { roundTrip: true },
    );
    const out = lastOf(steps);
    assert.equal(out.phase, 'failed', out.next.message);
    assert.equal(out.next.metrics[0]?.result.count, 60, 'at the last scrape of the window');
    assert.match(
      out.next.message ?? '',
      /sequential-errors fail: at the window's end, canary error ratio 1\.40% of 59000 against stable 1\.00% of 59000 over the window: the final look's exact test finds it more than 1\.2× stable's \(p = 0\.0019 ≤ α = 0\.0025\)/,
    );
    const before = out.next.metrics[0]?.result.measurements.at(-2);
    assert.equal(before?.phase, 'successful', 'a provisional pass, the scrape before');
  });

  it('comparison: passes a healthy canary after its looks, fails one with 3× the errors at a look', () => {
    const comparing = {
      ...ERRORS,
      count: 60,
      judge: { comparison: { metric: 'errors', looks: 3, lookEverySeconds: 10 } },
    };
    const start = () => createRun({ templates: [template(comparing)], args, startedAt: T0 });
    const healthy = drive(
      start(),
      scrapes(() => 0.01),
      { roundTrip: true },
    );
    assert.equal(lastOf(healthy).phase, 'successful', lastOf(healthy).next.message);
    const firstPass = healthy.find((s) => s.next.metrics[0]?.result.successful === 1);
    const passed = firstPass?.next.metrics[0]?.result;
    assert.ok(passed && passed.count > 1 && passed.inconclusive === 0, 'not yet before the last look');
    assert.match(
      passed.measurements.at(-1)?.message ?? '',
      /^comparison pass: no significant regression in 3 looks: errors: pass/,
    );
    const worse = lastOf(
      drive(
        start(),
        scrapes(() => 0.03),
        { roundTrip: true },
      ),
    );
    assert.equal(worse.phase, 'failed');
    assert.match(worse.next.message ?? '', /comparison fail: errors: high — p = .* effect 3\.00×/);
    assert.equal(worse.next.metrics[0]?.result.successful, 0, 'failed without passing first');
  });

  it('an answer that is not both versions’ counters is an error measurement', () => {
    const out = lastOf(drive(run(), () => ({ value: 0.3 }), { maxSteps: 3 }));
    assert.match(
      out.next.metrics[0]?.result.measurements[0]?.message ?? '',
      /a judge needs the counters of both versions/,
    );
  });
});

it('the example in docs/analysis.md validates', () => {
  const doc = readFileSync(new URL('../../docs/analysis.md', import.meta.url), 'utf8');
  const block = /```yaml\n(analysis:\n {2}canary-vs-stable:[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block, 'docs/analysis.md shows the canary-vs-stable template');
  const { templates, issues } = parseAnalysisTemplates((parse(block) as { analysis: unknown }).analysis);
  assert.deepEqual(issues, []);
  assert.deepEqual(
    templates['canary-vs-stable']?.metrics.map((m) => m.judge?.kind),
    ['sequential-errors', 'sequential-latency'],
  );
});
