import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { SEED_TEMPLATES_YAML, seedTemplates } from './analysis.fixture.ts';
import { formatAnalysisIssue } from './fields.ts';
import { AnalysisConfigError, loadAnalysisTemplates, parseAnalysisTemplates } from './template.ts';

const metric = (fields: Record<string, unknown>) => ({
  name: 'error-rate',
  provider: { prometheus: { query: 'up' } },
  ...fields,
});
const issuesOf = (data: unknown) => parseAnalysisTemplates(data).issues.map(formatAnalysisIssue);

describe('the seed templates', () => {
  it('validate exactly as written in the seed', () => {
    const { issues } = parseAnalysisTemplates(parse(SEED_TEMPLATES_YAML));
    assert.deepEqual(issues, []);
  });

  it('become three templates with the seed metrics, providers and conditions', () => {
    const t = seedTemplates();
    assert.deepEqual(Object.keys(t), ['smoke-check', 'slo-burn-check', 'synthetic-check']);
    const health = t['smoke-check']?.metrics[0];
    assert.equal(health?.provider.kind, 'web');
    assert.equal(health?.successCondition, 'result == 200');
    assert.deepEqual(
      t['slo-burn-check']?.metrics.map((m) => [m.name, m.provider.kind, m.successCondition]),
      [
        ['error-rate', 'prometheus', 'result < 0.02'],
        ['latency-p95', 'prometheus', 'result < 0.5'],
      ],
    );
    const golden = t['synthetic-check']?.metrics[0];
    assert.equal(golden?.provider.kind === 'job' && golden.provider.spec !== undefined, true);
    assert.equal(golden?.successCondition, 'result == "pass"');
  });

  it('get Argo defaults: one measurement, failureLimit 0, consecutiveErrorLimit 4, 10 retained', () => {
    const m = seedTemplates()['slo-burn-check']?.metrics[0];
    assert.equal(m?.count, undefined);
    assert.equal(m?.intervalMs, undefined);
    assert.equal(m?.failureLimit, 0);
    assert.equal(m?.inconclusiveLimit, 0);
    assert.equal(m?.consecutiveErrorLimit, 4);
    assert.equal(m?.measurementRetention, 10);
    assert.equal(m?.dryRun, false);
  });
});

describe('template fields', () => {
  it('accepts the short success/failure spelling as successCondition/failureCondition', () => {
    const short = loadAnalysisTemplates({
      t: { metrics: [metric({ success: 'result < 0.02', failure: 'result > 0.1' })] },
    });
    const long = loadAnalysisTemplates({
      t: { metrics: [metric({ successCondition: 'result < 0.02', failureCondition: 'result > 0.1' })] },
    });
    assert.deepEqual(short, long);
  });

  it('reads durations, counts and limits', () => {
    const m = loadAnalysisTemplates({
      t: {
        metrics: [
          metric({
            success: 'result < 0.02',
            interval: '1m',
            count: 5,
            initialDelay: '30s',
            failureLimit: 2,
            inconclusiveLimit: 1,
            consecutiveErrorLimit: 0,
            dryRun: true,
            measurementRetention: 3,
          }),
        ],
      },
    }).t?.metrics[0];
    assert.deepEqual(
      [
        m?.intervalMs,
        m?.count,
        m?.initialDelayMs,
        m?.failureLimit,
        m?.inconclusiveLimit,
        m?.consecutiveErrorLimit,
      ],
      [60_000, 5, 30_000, 2, 1, 0],
    );
    assert.equal(m?.dryRun, true);
    assert.equal(m?.measurementRetention, 3);
  });

  it('count 0 means unset, as in Argo', () => {
    const m = loadAnalysisTemplates({
      t: { metrics: [metric({ success: 'true', interval: '1m', count: 0 })] },
    }).t;
    assert.equal(m?.metrics[0]?.count, undefined);
  });

  it('reads every provider: web with Argo header list, job run, builtin defaults', () => {
    const t = loadAnalysisTemplates({
      t: {
        metrics: [
          {
            name: 'web',
            success: 'result == 200',
            provider: {
              web: {
                url: 'https://x.test/h',
                headers: [{ key: 'Authorization', value: 'Bearer t' }],
                timeoutSeconds: 3,
              },
            },
          },
          {
            name: 'job',
            success: 'result == "pass"',
            provider: { job: { run: 'make smoke', timeout: '2m' } },
          },
          { name: 'builtin', success: 'result < 0.02', provider: { builtin: { metric: 'error-rate' } } },
        ],
      },
    }).t;
    assert.deepEqual(
      t?.metrics.map((m) => m.provider),
      [
        {
          kind: 'web',
          url: 'https://x.test/h',
          method: 'GET',
          headers: { Authorization: 'Bearer t' },
          timeoutMs: 3000,
        },
        { kind: 'job', run: 'make smoke', timeoutMs: 120_000 },
        { kind: 'builtin', metric: 'error-rate', version: 'canary', windowMs: 60_000 },
      ],
    );
  });

  it('freezes what it returns', () => {
    const t = seedTemplates()['smoke-check'];
    assert.equal(Object.isFrozen(t), true);
    assert.equal(Object.isFrozen(t?.metrics[0]), true);
  });
});

describe('validation errors name the field path', () => {
  it('bad CEL in a seed-shaped template', () => {
    assert.deepEqual(
      issuesOf({ 'slo-burn-check': { metrics: [metric({ successCondition: 'result <' })] } }),
      ['analysis.slo-burn-check.metrics[0].successCondition: Unexpected token: EOF in "result <"'],
    );
  });

  it('a condition that is not boolean', () => {
    assert.match(
      issuesOf({ t: { metrics: [metric({ success: '"ok"' })] } })[0] ?? '',
      /^analysis\.t\.metrics\[0\]\.success: a condition must be true or false/,
    );
  });

  it('both spellings of one condition', () => {
    assert.deepEqual(issuesOf({ t: { metrics: [metric({ success: 'true', successCondition: 'true' })] } }), [
      'analysis.t.metrics[0].success: give either successCondition or success, not both',
    ]);
  });

  it('an unknown key, with a suggestion', () => {
    assert.match(
      issuesOf({ t: { metrics: [metric({ success: 'true', failurLimit: 1 })] } })[0] ?? '',
      /^analysis\.t\.metrics\[0\]\.failurLimit: unknown key "failurLimit" \(did you mean "failureLimit"\?\)/,
    );
  });

  it('no provider, two providers, an unknown provider', () => {
    const none = issuesOf({ t: { metrics: [{ name: 'm', success: 'true', provider: {} }] } });
    assert.deepEqual(none, [
      'analysis.t.metrics[0].provider: expected exactly one provider of prometheus, web, job, builtin, got 0',
    ]);
    const two = issuesOf({
      t: {
        metrics: [
          { name: 'm', success: 'true', provider: { prometheus: { query: 'up' }, web: { url: 'http://x' } } },
        ],
      },
    });
    assert.match(two[0] ?? '', /expected exactly one provider .* got 2/);
    const unknown = issuesOf({ t: { metrics: [{ name: 'm', success: 'true', provider: { datadog: {} } }] } });
    assert.match(unknown[0] ?? '', /^analysis\.t\.metrics\[0\]\.provider\.datadog: unknown key "datadog"/);
  });

  it('an unknown argument reference, at the string that holds it', () => {
    const issues = issuesOf({
      t: {
        metrics: [
          metric({ success: 'true', provider: { prometheus: { query: 'up{job="{{ args.job }}"}' } } }),
        ],
      },
    });
    assert.equal(issues.length, 1);
    assert.match(
      issues[0] ?? '',
      /^analysis\.t\.metrics\[0\]\.provider\.prometheus\.query: unknown argument "job"; declare it under analysis\.t\.args/,
    );
  });

  it('declared arguments and the rollout context names are known', () => {
    const issues = issuesOf({
      t: {
        args: [{ name: 'job' }, { name: 'threshold', value: 0.02 }],
        metrics: [
          metric({
            success: 'result < {{ args.threshold }}',
            provider: {
              prometheus: { query: 'up{job="{{job}}",service="{{service}}",v="{{ canary.version }}"}' },
            },
          }),
        ],
      },
    });
    assert.deepEqual(issues, []);
  });

  it('count above 1 needs an interval (as Argo)', () => {
    assert.deepEqual(issuesOf({ t: { metrics: [metric({ success: 'true', count: 3 })] } }), [
      'analysis.t.metrics[0].count: count 3 needs an interval between measurements',
    ]);
  });

  it('a metric needs a condition unless it is a dry run', () => {
    assert.match(
      issuesOf({ t: { metrics: [metric({})] } })[0] ?? '',
      /needs successCondition or failureCondition/,
    );
    assert.deepEqual(issuesOf({ t: { metrics: [metric({ dryRun: true })] } }), []);
  });

  it('limits must be whole numbers >= 0, retention >= 1, durations valid', () => {
    const issues = issuesOf({
      t: {
        metrics: [
          metric({
            success: 'true',
            failureLimit: -1,
            measurementRetention: 0,
            interval: 'soon',
            initialDelay: '5x',
          }),
        ],
      },
    });
    assert.deepEqual(
      issues.map((i) => i.split(':')[0]),
      [
        'analysis.t.metrics[0].interval',
        'analysis.t.metrics[0].failureLimit',
        'analysis.t.metrics[0].initialDelay',
        'analysis.t.metrics[0].measurementRetention',
      ],
    );
  });

  it('duplicate metric names and empty metric lists', () => {
    const dup = issuesOf({ t: { metrics: [metric({ success: 'true' }), metric({ success: 'true' })] } });
    assert.deepEqual(dup, ['analysis.t.metrics[1].name: duplicate metric name "error-rate"']);
    assert.deepEqual(issuesOf({ t: { metrics: [] } }), [
      'analysis.t.metrics: expected a non-empty list of metrics, got a list',
    ]);
  });

  it('web urls must be http(s), with argument references allowed in the host', () => {
    const bad = issuesOf({
      t: { metrics: [{ name: 'h', success: 'true', provider: { web: { url: 'ftp://x' } } }] },
    });
    assert.deepEqual(bad, [
      'analysis.t.metrics[0].provider.web.url: expected an http or https URL, got "ftp://x"',
    ]);
  });

  it('loadAnalysisTemplates throws every issue at once', () => {
    assert.throws(
      () => loadAnalysisTemplates({ a: { metrics: [metric({})] }, b: 'nope' }),
      (err: unknown) => err instanceof AnalysisConfigError && err.issues.length === 2,
    );
  });
});
