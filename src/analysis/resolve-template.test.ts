import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seedTemplates } from './analysis.fixture.ts';
import { argumentRefs, ResolveError, substitute } from './arguments.ts';
import { resolveMetrics } from './resolve-template.ts';
import { loadAnalysisTemplates, type AnalysisTemplate } from './template.ts';

const seeds = seedTemplates();
const seed = (name: string) => seeds[name] as AnalysisTemplate;

describe('argument substitution', () => {
  it('fills {{ args.service }} into the seed web url', () => {
    const [health] = resolveMetrics([seed('smoke-check')], { service: 'checkout-api' });
    assert.equal(
      health?.query.provider.kind === 'web' && health.query.provider.url,
      'http://checkout-api.production:4000/health',
    );
    assert.equal(health?.query.metric, 'health-endpoint');
  });

  it('fills every reference in the seed PromQL, quotes untouched', () => {
    const [errorRate] = resolveMetrics([seed('slo-burn-check')], { service: 'checkout-api' });
    assert.equal(
      errorRate?.query.provider.kind === 'prometheus' && errorRate.query.provider.query,
      'sum(rate(http_requests_total{service="checkout-api",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="checkout-api"}[5m]))',
    );
  });

  it('fills strings deep inside the seed job spec', () => {
    const [golden] = resolveMetrics([seed('synthetic-check')], { service: 'checkout-api' });
    const spec = golden?.query.provider.kind === 'job' ? golden.query.provider.spec : undefined;
    assert.deepEqual(spec, {
      template: {
        spec: {
          containers: [
            {
              name: 'golden-path',
              image: 'ghcr.io/brianclong/summit/golden-path-runner:latest',
              env: [{ name: 'TARGET_SERVICE', value: 'checkout-api' }],
            },
          ],
        },
      },
    });
  });

  it('{{service}}, {{ canary.version }} and {{ args.canary.version }} name the same values', () => {
    const values = { service: 'api', 'canary.version': 'abc123' };
    assert.equal(
      substitute('{{service}}@{{ canary.version }}/{{args.canary.version}}', values, ['x']),
      'api@abc123/abc123',
    );
    assert.deepEqual(argumentRefs('{{service}} {{ args.canary.version }} ${{ sha }}'), [
      'service',
      'canary.version',
    ]);
  });

  it('an unknown argument is an error naming the field and the known names', () => {
    assert.throws(
      () =>
        substitute('up{job="{{ args.job }}"}', { service: 'api' }, ['analysis', 't', 'metrics', 0, 'query']),
      (err: unknown) =>
        err instanceof ResolveError &&
        err.message ===
          'analysis.t.metrics[0].query: unknown argument "job" in {{ args.job }} (known: service)',
    );
  });

  it('a seed template run without the service argument names the field', () => {
    assert.throws(
      () => resolveMetrics([seed('smoke-check')], {}),
      /^ResolveError: analysis\.smoke-check\.metrics\[0\]\.provider\.web\.url: unknown argument "service"/,
    );
  });

  it('template defaults apply unless the rollout passes a value; conditions are substituted too', () => {
    const t = loadAnalysisTemplates({
      t: {
        args: [{ name: 'threshold', value: '0.02' }],
        metrics: [
          { name: 'm', success: 'result < {{ args.threshold }}', provider: { prometheus: { query: 'up' } } },
        ],
      },
    }).t as AnalysisTemplate;
    assert.equal(resolveMetrics([t], {})[0]?.successCondition, 'result < 0.02');
    assert.equal(resolveMetrics([t], { threshold: '0.05' })[0]?.successCondition, 'result < 0.05');
  });

  it('a declared argument without a default needs a value from the rollout', () => {
    const t = loadAnalysisTemplates({
      t: {
        args: [{ name: 'job' }],
        metrics: [{ name: 'm', success: 'true', provider: { prometheus: { query: '{{job}}' } } }],
      },
    }).t as AnalysisTemplate;
    assert.throws(() => resolveMetrics([t], {}), /analysis\.t\.args\[0\]: argument "job" has no value/);
  });
});

describe('several templates in one run', () => {
  it('keeps template order and records where each metric came from', () => {
    const metrics = resolveMetrics([seed('smoke-check'), seed('slo-burn-check')], { service: 'api' });
    assert.deepEqual(
      metrics.map((m) => [m.template, m.name]),
      [
        ['smoke-check', 'health-endpoint'],
        ['slo-burn-check', 'error-rate'],
        ['slo-burn-check', 'latency-p95'],
      ],
    );
  });

  it('a metric name shared by two templates is an error', () => {
    assert.throws(
      () => resolveMetrics([seed('smoke-check'), seed('smoke-check')], { service: 'api' }),
      /metric "health-endpoint" is also in template "smoke-check"/,
    );
  });

  it('a rollout step may override failureLimit and interval for every metric', () => {
    const [m] = resolveMetrics(
      [seed('slo-burn-check')],
      { service: 'api' },
      { failureLimit: 2, intervalMs: 30_000 },
    );
    assert.equal(m?.failureLimit, 2);
    assert.equal(m?.intervalMs, 30_000);
    assert.throws(
      () => resolveMetrics([seed('slo-burn-check')], { service: 'api' }, { failureLimit: -1 }),
      /failureLimit/,
    );
  });
});
