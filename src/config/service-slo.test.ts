import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from './errors.ts';
import { parsePipeline } from './load.ts';

const pipeline = (slo: string) => `version: 1
service: { name: checkout-api, tier: 1, slo: ${slo} }
stages:
  build:
    steps:
      - run: echo ok
`;

function messages(slo: string): string[] {
  try {
    parsePipeline(pipeline(slo), 'runway.yaml', '/tmp');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.line}:${i.col} ${i.message}`);
  }
  assert.fail(`service.slo ${slo} was accepted`);
}

const PROM =
  '{ address: "http://prometheus:9090", budget-remaining: "slo:error_budget_remaining:ratio", burn-fast: "slo:error_budget_burn_rate:fast", burn-slow: "slo:error_budget_burn_rate:slow" }';

describe('service.slo in runway.yaml', () => {
  it('takes a Prometheus source of recording rules instead of an objective', () => {
    const p = parsePipeline(pipeline(`{ source: { prometheus: ${PROM} } }`), 'runway.yaml', '/tmp');
    assert.deepEqual(p.service?.slo?.source?.prometheus, {
      address: 'http://prometheus:9090',
      'budget-remaining': 'slo:error_budget_remaining:ratio',
      'burn-fast': 'slo:error_budget_burn_rate:fast',
      'burn-slow': 'slo:error_budget_burn_rate:slow',
    });
  });

  it('is carried into the pipeline as written', () => {
    const p = parsePipeline(pipeline('{ objective: 99.9, window: 30d }'), 'runway.yaml', '/tmp');
    assert.deepEqual(p.service?.slo, { objective: 99.9, window: '30d' });
    const noWindow = parsePipeline(pipeline('{ objective: 99.5 }'), 'runway.yaml', '/tmp');
    assert.deepEqual(noWindow.service?.slo, { objective: 99.5 });
    for (const window of ['1d', '7d', '28d', '35d', '1h', '72h', '840h']) {
      const p = parsePipeline(pipeline(`{ objective: 99, window: ${window} }`), 'runway.yaml', '/tmp');
      assert.equal(p.service?.slo?.window, window);
    }
  });

  const bad: [string, RegExp][] = [
    ['{ objective: 100 }', /objective/],
    ['{ objective: 0 }', /objective/],
    ['{ objective: "99.9" }', /objective/],
    ['{ window: 30d }', /objective/],
    ['{ objective: 99.9, window: 0d }', /window/],
    ['{ objective: 99.9, window: a month }', /window/],
    ['{ objective: 99.9, window: 30 }', /window/],
    ['{ objective: 99.9, window: 36d }', /window is "36d" — expected .*1d to 35d/],
    ['{ objective: 99.9, window: 841h }', /window/],
    ['{ objective: 99.9, budget: 10 }', /budget/],
    ['{ }', /service\.slo needs objective .* or source/],
    [`{ source: { prometheus: ${PROM} }, objective: 99.9 }`, /has both objective and source/],
    [`{ source: { prometheus: ${PROM} }, window: 30d }`, /window is for an objective runway serve measures/],
    [
      '{ source: { prometheus: { address: http://p:9090, budget-remaining: a, burn-fast: b } } }',
      /burn-slow/,
    ],
    [
      '{ source: { prometheus: { address: p:9090, budget-remaining: a, burn-fast: b, burn-slow: c } } }',
      /address/,
    ],
  ];
  for (const [slo, message] of bad) {
    it(`rejects slo ${slo}`, () => {
      const found = messages(slo);
      assert.ok(
        found.some((m) => message.test(m)),
        found.join('\n'),
      );
    });
  }
});
