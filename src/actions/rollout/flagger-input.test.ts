import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluateCondition } from '../../analysis/conditions.ts';
import { parseAnalysisTemplates } from '../../analysis/template.ts';
import { resolveStrategy } from '../../rollout/resolve-strategy.ts';
import { flaggerTemplates } from './flagger-input.ts';
import { strategyFromInputs } from './strategy-input.ts';

/** The DawsOS seed's `analysis:` block (seeds/004, Stage 12), as YAML parses it. */
const DAWSOS = {
  interval: '1m',
  threshold: 5,
  maxWeight: 100,
  stepWeight: 20,
  metrics: [
    { name: 'request-success-rate', thresholdRange: { min: 99.5 }, interval: '1m' },
    { name: 'request-duration-p95', thresholdRange: { max: 1200 }, interval: '1m' },
    {
      name: 'pricing-pack-health',
      query: 'sum(rate(pricing_pack_build_failures_total[1m])) == 0\n',
      thresholdRange: { max: 0 },
      interval: '5m',
    },
  ],
};

type Metric = { successCondition: string; provider: unknown; count: number };
const metricOf = (name: string): Metric => {
  const template = flaggerTemplates(DAWSOS)[`flagger-${name}`] as { metrics: Metric[] };
  return template.metrics[0] as Metric;
};

describe('Flagger analysis block under uses: rollout', () => {
  it('becomes 20/40/60/80/100% with a check each interval and rollback at the 5th failed check', () => {
    const input = strategyFromInputs({ environment: 'production', analysis: DAWSOS });
    const resolved = resolveStrategy(input);
    assert.ok(resolved.ok, JSON.stringify(resolved));
    const strategy = resolved.strategy;
    assert.equal(strategy.kind, 'canary');
    if (strategy.kind !== 'canary') return;
    assert.equal(strategy.failedCheckThreshold, 5);
    const weights = strategy.steps.flatMap((s) => ('setWeight' in s ? [s.setWeight / 10] : []));
    assert.deepEqual(weights, [20, 40, 60, 80, 100]);
    const checks = strategy.steps.filter((s) => 'analysis' in s);
    assert.equal(checks.length, 5);
    assert.deepEqual(checks[0], {
      analysis: {
        templates: [
          'flagger-request-success-rate',
          'flagger-request-duration-p95',
          'flagger-pricing-pack-health',
        ],
      },
    });
  });

  it('generates valid templates: builtin windows from the metric interval, the query on Prometheus', () => {
    const templates = flaggerTemplates(DAWSOS);
    assert.deepEqual(parseAnalysisTemplates(templates).issues, []);
    assert.deepEqual(metricOf('request-success-rate').provider, {
      builtin: { metric: 'error-rate', window: '1m' },
    });
    assert.deepEqual(metricOf('request-duration-p95').provider, {
      builtin: { metric: 'latency-p95', window: '1m' },
    });
    assert.deepEqual(metricOf('pricing-pack-health').provider, {
      prometheus: { query: DAWSOS.metrics[2]?.query },
    });
    assert.equal(metricOf('request-success-rate').count, 1);
    const custom = flaggerTemplates({
      interval: '30s',
      metrics: [
        { name: 'q', query: 'sum(rate(x[{{ interval }}]))', thresholdRange: { max: 0 }, interval: '5m' },
        { name: 'r', query: 'sum(rate(y[{{interval}}]))', thresholdRange: { max: 0 } },
      ],
    });
    assert.deepEqual(parseAnalysisTemplates(custom).issues, []);
    const queries = Object.values(custom).map(
      (t) =>
        (t['metrics'] as { provider: { prometheus: { query: string } } }[])[0]?.provider.prometheus.query,
    );
    assert.deepEqual(queries, ['sum(rate(x[5m]))', 'sum(rate(y[30s]))']);
  });

  it('thresholdRange min 99.5 on the success rate: passes below 0.5% errors, fails above', () => {
    const pass = (errorRatio: number) =>
      evaluateCondition(metricOf('request-success-rate').successCondition, errorRatio);
    assert.equal(pass(0), true);
    assert.equal(pass(0.004), true);
    assert.equal(pass(0.05), false);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (ratio) => {
        assert.equal(pass(ratio), (1 - ratio) * 100 >= 99.5);
      }),
    );
  });

  it('thresholdRange max 1200 on p95 (seconds measured, milliseconds written)', () => {
    const pass = (seconds: number) =>
      evaluateCondition(metricOf('request-duration-p95').successCondition, seconds);
    assert.equal(pass(1.1), true);
    assert.equal(pass(1.2), true);
    assert.equal(pass(1.3), false);
    const both = flaggerTemplates({
      interval: '1s',
      metrics: [{ name: 'q', query: 'up', thresholdRange: { min: 1, max: 2.5 } }],
    })['flagger-q'] as { metrics: Metric[] };
    const cond = both.metrics[0]?.successCondition ?? '';
    assert.deepEqual(
      [0.5, 1, 2.5, 3].map((v) => evaluateCondition(cond, v)),
      [false, true, true, false],
    );
  });

  it('names what is wrong', () => {
    const message = (analysis: unknown, extra: Record<string, unknown> = {}) =>
      strategyFromInputs({ environment: 'production', analysis, ...extra });
    assert.equal(
      message({ ...DAWSOS, metrics: [{ name: 'latency', thresholdRange: { max: 1 } }] }),
      'analysis.metrics: "latency" is not a builtin metric (request-success-rate, request-duration, request-duration-p95); give it a query: to measure it with Prometheus',
    );
    assert.equal(
      message({ ...DAWSOS, metrics: [DAWSOS.metrics[0], DAWSOS.metrics[0]] }),
      'analysis.metrics: "request-success-rate" is listed twice',
    );
    assert.equal(
      message(DAWSOS, { 'background-analysis': { templates: ['x'] } }),
      "background-analysis cannot be used with analysis (Flagger's block)",
    );
    assert.equal(
      message(DAWSOS, { preset: 'tier1' }),
      'give exactly one of preset, steps, blue-green or analysis (found preset and analysis)',
    );
  });
});
