import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { drive, values } from '../analysis.fixture.ts';
import { createRun } from '../analysis-run.ts';
import { ResolveError } from '../arguments.ts';
import { loadAnalysisTemplates, type AnalysisTemplate } from '../template.ts';
import { replay, ReplayError } from './replay.ts';
import { parseSeries, type RecordedSeries } from './series.ts';

const FIXTURES = new URL('../../../test/fixtures/analysis/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
const TEMPLATES = (parse(read('runway.yaml')) as { analysis: Record<string, unknown> }).analysis;
const INCIDENT = parseSeries(JSON.parse(read('incident-2026-03-02.json')), 'incident-2026-03-02.json');
const at = (minutes: number, seconds = 0) =>
  new Date(Date.UTC(2026, 2, 2, 10, minutes, seconds)).toISOString();

const one = (metric: Record<string, unknown>) => ({
  t: {
    metrics: [{ name: 'm', provider: { prometheus: { query: 'q' } }, success: 'result < 0.02', ...metric }],
  },
});
const points = (...list: [number, unknown][]): RecordedSeries => ({
  m: list.map(([s, value]) => ({ at: Date.parse(at(0)) + s * 1000, value })),
});

describe('replay', () => {
  it('replays last week’s slow burn through slo-burn-10m: failed at 10:06, with the timeline that led there', async () => {
    const result = await replay({
      templates: TEMPLATES,
      template: 'slo-burn-10m',
      args: { service: 'checkout-api' },
      series: INCIDENT,
    });
    assert.equal(result.phase, 'failed');
    assert.equal(result.decidedAt, at(6));
    assert.equal(result.from, at(0));
    assert.equal(result.to, at(14));
    assert.equal(
      result.message,
      'error-rate failed: 1 failed measurement exceeds failureLimit 0 (last: result < 0.02 is false for 0.021)',
    );
    assert.deepEqual(
      result.timeline.filter((e) => e.metric === 'error-rate').map((e) => [e.at, e.phase, e.value]),
      [0.004, 0.005, 0.004, 0.006, 0.009, 0.014, 0.021].map((v, i) => [
        at(i),
        v < 0.02 ? 'successful' : 'failed',
        v,
      ]),
    );
    assert.equal(result.timeline.length, 13);
  });

  it('is deterministic: the same recording gives the same result, also through JSON', async () => {
    const input = { templates: TEMPLATES, template: 'slo-burn-10m', series: INCIDENT };
    const a = await replay(input);
    const b = await replay(input);
    assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
  });

  it('agrees with the pure step function driven by hand', async () => {
    const series = [0.01, 0.01, 0.03, 0.01];
    const templates = one({ interval: '1m', count: 4, failureLimit: 1 });
    const template = loadAnalysisTemplates(templates)['t'] as AnalysisTemplate;
    const steps = drive(createRun({ templates: [template], startedAt: new Date(at(0)) }), values(...series), {
      latencyMs: 0,
    });
    const result = await replay({
      templates,
      template: 't',
      series: points(...series.map((v, i) => [i * 60, v] as [number, unknown])),
    });
    const byHand = steps.at(-1)?.next;
    assert.equal(result.phase, byHand?.phase);
    assert.equal(result.phase, 'successful');
    assert.deepEqual(
      result.timeline.map((e) => [e.at, e.phase]),
      byHand?.metrics[0]?.result.measurements.map((m) => [m.finishedAt, m.phase]),
    );
  });

  it('the seed’s own slo-burn-check has no interval, so it measures once and misses the burn', async () => {
    const result = await replay({ templates: TEMPLATES, template: 'slo-burn-check', series: INCIDENT });
    assert.equal(result.phase, 'successful');
    assert.equal(result.timeline.length, 2);
  });

  it('a recording that ends before a metric took its count is inconclusive: not enough evidence', async () => {
    const result = await replay({
      templates: one({ interval: '1m', count: 5 }),
      template: 't',
      series: points([0, 0.01], [120, 0.01]),
    });
    assert.equal(result.phase, 'inconclusive');
    assert.equal(
      result.message,
      `the recording ends at ${at(2)} before m took its count (3 of 5): not enough evidence`,
    );
  });

  it('a background metric (interval, no count) is stopped where the recording ends', async () => {
    const result = await replay({
      templates: one({ interval: '1m' }),
      template: 't',
      series: points([0, 0.01], [300, 0.01]),
    });
    assert.equal(result.phase, 'successful');
    assert.equal(result.timeline.length, 6);
    assert.match(
      result.message,
      /the recording ends at 2026-03-02T10:05:00.000Z, where the run was stopped$/,
    );
  });

  it('recorded provider errors count against consecutiveErrorLimit and end the run in error', async () => {
    const series: RecordedSeries = {
      m: [
        { at: Date.parse(at(0)), value: 0.01 },
        {
          at: Date.parse(at(1)),
          error: 'cannot reach prometheus at http://prometheus:9090: connect ECONNREFUSED',
        },
        { at: Date.parse(at(3)), value: 0.01 },
      ],
    };
    const result = await replay({ templates: one({ interval: '1m' }), template: 't', series });
    assert.equal(result.phase, 'error');
    assert.equal(result.decidedAt, at(1, 40));
    assert.match(
      result.message,
      /5 consecutive errors exceed consecutiveErrorLimit 4 \(last: cannot reach prometheus/,
    );
  });

  it('a gap longer than 5 minutes in the recording is no data, as for an instant query', async () => {
    const result = await replay({
      templates: one({ interval: '1m', count: 10, consecutiveErrorLimit: 0 }),
      template: 't',
      series: points([0, 0.01], [900, 0.01]),
    });
    assert.equal(result.phase, 'error');
    assert.match(
      result.message,
      /no recorded point of m in the 5m before 2026-03-02T10:06:00.000Z \(the previous one is at 2026-03-02T10:00:00.000Z\)/,
    );
  });

  it('refuses an unknown template, a metric without series, and a declared argument without value', async () => {
    await assert.rejects(replay({ templates: TEMPLATES, template: 'slo-burn', series: INCIDENT }), {
      name: 'ReplayError',
      message: /^unknown template "slo-burn" — expected one of: slo-burn-check, slo-burn-10m, canary-slo/,
    });
    await assert.rejects(
      replay({
        templates: TEMPLATES,
        template: 'slo-burn-10m',
        series: { 'error-rate': INCIDENT['error-rate'] ?? [] },
      }),
      (err: unknown) =>
        err instanceof ReplayError &&
        /no recorded series for latency-p95 of template "slo-burn-10m" \(recorded: error-rate\)/.test(
          err.message,
        ),
    );
    await assert.rejects(
      replay({
        templates: TEMPLATES,
        template: 'health',
        series: { 'health-endpoint': [{ at: 0, value: 200 }] },
      }),
      ResolveError,
    );
  });

  it('context arguments not given keep their {{name}} in the queries shown; given ones are filled in', async () => {
    const anon = await replay({ templates: TEMPLATES, template: 'slo-burn-check', series: INCIDENT });
    assert.match(anon.explanation.metrics[0]?.query ?? '', /service="\{\{service\}\}"/);
    assert.deepEqual(anon.explanation.args, { service: '{{service}}' });
    const named = await replay({
      templates: TEMPLATES,
      template: 'slo-burn-check',
      args: { service: 'checkout-api' },
      series: INCIDENT,
    });
    assert.match(named.explanation.metrics[0]?.query ?? '', /service="checkout-api"/);
  });
});

describe('replay of a judged metric from both versions’ stored counters', () => {
  const judged = {
    'vs-stable': {
      metrics: [
        {
          name: 'errors',
          provider: { builtin: {} },
          interval: '1s',
          count: 60,
          judge: { 'sequential-errors': { tolerance: 0.5, regression: 3, acceptBelow: 0.05 } },
        },
      ],
    },
  };
  /** Scrapes every 1.1 s (a live interval plus the query): 100 requests a second per version,
   * stable failing 1%, the canary 1% for its first 30 scrapes and `late` after. */
  function recording(late: number): RecordedSeries {
    const canary = [];
    const stable = [];
    let canaryErrors = 0;
    for (let i = 0; i <= 45; i++) {
      const t = new Date(Date.parse(at(0)) + i * 1100).toISOString();
      canaryErrors += i === 0 ? 0 : Math.round(110 * (i <= 30 ? 0.01 : late));
      canary.push({
        at: t,
        requests: 110 * i,
        errors: canaryErrors,
        buckets: [
          [0.05, 100 * i],
          [null, 110 * i],
        ],
      });
      stable.push({
        at: t,
        requests: 110 * i,
        errors: Math.round(1.1 * i),
        buckets: [
          [0.05, 100 * i],
          [null, 110 * i],
        ],
      });
    }
    return parseSeries({ errors: { canary, stable } }, 'recorded.json');
  }

  it('gives the verdict a live run gives: the late regression fails after the early pass', async () => {
    const result = await replay({ templates: judged, template: 'vs-stable', series: recording(0.2) });
    assert.equal(result.phase, 'failed', result.message);
    assert.match(result.message, /sequential-errors fail: .* after passing at 2026-03-02T10:00:\d\d/);
  });

  it('re-judges the same recording with another judge given as --judge', async () => {
    const latency = { 'sequential-latency': { thresholdSeconds: 0.05, tolerance: 0.5, regression: 3 } };
    const result = await replay({
      templates: judged,
      template: 'vs-stable',
      series: recording(0.2),
      judge: latency,
    });
    assert.notEqual(result.phase, 'failed', result.message);
    assert.match(JSON.stringify(result.timeline), /sequential-latency (pass|continue)/);
    await assert.rejects(
      replay({ templates: one({}), template: 't', series: points([0, 0.01]), judge: latency }),
      /template "t" has no metric with a judge/,
    );
  });

  it('re-judges it with the comparison judge: 20% against 1% errors is high at a look after the onset', async () => {
    const comparison = { comparison: { metric: 'errors', looks: 4, lookEverySeconds: 10 } };
    const result = await replay({
      templates: judged,
      template: 'vs-stable',
      series: recording(0.2),
      judge: comparison,
    });
    assert.equal(result.phase, 'failed', result.message);
    assert.match(
      result.message,
      /comparison fail: errors: high — p = .* effect \d+\.\d\d× \(ratio, tolerance 0\.2\)/,
    );
  });
});
