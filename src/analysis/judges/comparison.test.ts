import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, T0 } from './baselines.fixture.ts';
import { comparisonJudge } from './comparison.ts';
import type { ComparisonOptions } from './comparison.ts';
import { judgeContract } from './judge.contract.ts';
import type { Verdict, WindowObservations } from './judge.ts';
import { HEALTHY, Random, TrafficSimulator } from './traffic.fixture.ts';
import type { VersionProfile } from './traffic.fixture.ts';

judgeContract('comparison', () =>
  comparisonJudge({ metrics: [{ metric: 'errors' }, { metric: 'latency' }] }),
);

/** Latencies per second as raw samples: `perSecond` values a second for `seconds`, drawn by `draw`. */
function rawLatencies(seconds: number, perSecond: number, draw: () => number): WindowObservations['canary'] {
  const samples: WindowObservations['canary'][number][] = [
    { at: T0, requests: 0, errors: 0, latencySamples: [] },
  ];
  for (let s = 1; s <= seconds; s++) {
    const latencySamples = Array.from({ length: perSecond }, draw);
    samples.push({ at: at(s), requests: s * perSecond, errors: 0, latencySamples });
  }
  return samples;
}

function lognormal(seed: number, median: number): () => number {
  const random = new Random(seed);
  return () => median * Math.exp(0.45 * random.normal());
}

/** Asks every 10 s for ten minutes; the first decision and when. */
function firstDecision(
  o: WindowObservations,
  options: Partial<ComparisonOptions> = {},
): [string, number, Verdict] {
  const judge = comparisonJudge({ metrics: [{ metric: 'latency' }], ...options });
  let v: Verdict = judge.decide(o, at(0));
  for (let s = 0; s <= 600; s += 10) {
    v = judge.decide(o, at(s));
    if (v.decision !== 'continue') return [v.decision, s, v];
  }
  return [v.decision, 600, v];
}

function simulated(
  seed: number,
  canary: VersionProfile,
  requestsPerSecond = 500,
  seconds = 600,
): WindowObservations {
  const sim = new TrafficSimulator({
    seed,
    startedAt: T0,
    requestsPerSecond,
    canaryWeight: 0.1,
    canary,
    stable: HEALTHY,
  });
  sim.advance(seconds);
  return sim.observations;
}

describe('comparison judge', () => {
  it('fails a canary 30% slower at the first look, with the effect and p-value in the reason', () => {
    const o = {
      startedAt: T0,
      canary: rawLatencies(600, 5, lognormal(1, 0.26)),
      stable: rawLatencies(600, 45, lognormal(2, 0.2)),
    };
    const [decision, seconds, v] = firstDecision(o);
    assert.deepEqual([decision, seconds], ['fail', 60]);
    assert.match(
      v.reason,
      /^latency: high — p = .*, effect 1\.\d\d× \(ratio, tolerance 0\.1\), 300 canary vs 2700 stable$/,
    );
  });

  it('passes the same versions after its looks, and says when it will look next meanwhile', () => {
    const o = {
      startedAt: T0,
      canary: rawLatencies(600, 5, lognormal(3, 0.2)),
      stable: rawLatencies(600, 45, lognormal(4, 0.2)),
    };
    const [decision, seconds] = firstDecision(o);
    assert.deepEqual([decision, seconds], ['pass', 300]);
    const waiting = comparisonJudge({ metrics: [{ metric: 'latency' }] }).decide(o, at(90));
    assert.equal(waiting.nextAt?.toISOString(), at(120).toISOString());
  });

  it('does not count a look with too few samples: the step waits longer', () => {
    // 1 canary request a second: the first look with 100 of them is at 2 minutes
    const o = {
      startedAt: T0,
      canary: rawLatencies(900, 1, lognormal(5, 0.2)),
      stable: rawLatencies(900, 9, lognormal(6, 0.2)),
    };
    const v = comparisonJudge({ metrics: [{ metric: 'latency' }] }).decide(o, at(60));
    assert.equal(v.decision, 'continue');
    assert.match(v.reason, /too few samples: 60 canary and 540 stable requests, 100 each needed/);
    assert.deepEqual(firstDecision(o).slice(0, 2), ['pass', 360]);
  });

  it('ignores a difference in the other direction, and catches it with `either`', () => {
    const o = {
      startedAt: T0,
      canary: rawLatencies(600, 5, lognormal(7, 0.14)),
      stable: rawLatencies(600, 45, lognormal(8, 0.2)),
    };
    assert.equal(firstDecision(o)[0], 'pass');
    const [decision, , v] = firstDecision(o, { metrics: [{ metric: 'latency', direction: 'either' }] });
    assert.equal(decision, 'fail');
    assert.match(v.reason, /latency: low/);
    assert.equal(firstDecision(o, { metrics: [{ metric: 'latency', direction: 'decrease' }] })[0], 'fail');
  });

  it('passes a significant difference smaller than its tolerance', () => {
    // +5% is significant with 50 000 samples a side but within a 10% tolerance
    const o = {
      startedAt: T0,
      canary: rawLatencies(60, 1000, lognormal(9, 0.21)),
      stable: rawLatencies(60, 1000, lognormal(10, 0.2)),
    };
    const options = { looks: 1, intervalMs: 60_000 };
    const [decision, , v] = firstDecision(o, options);
    assert.equal(decision, 'pass');
    const look = (v.evidence as { looks: { metrics: { pValue: number }[] }[] }).looks[0];
    assert.ok((look?.metrics[0]?.pValue as number) < 1e-6);
    const strict = {
      ...options,
      metrics: [{ metric: 'latency' as const, effectSize: { measure: 'ratio' as const, tolerance: 0.01 } }],
    };
    assert.equal(firstDecision(o, strict)[0], 'fail');
    const ranks = {
      ...options,
      metrics: [
        { metric: 'latency' as const, effectSize: { measure: 'rank-biserial' as const, tolerance: 0.01 } },
      ],
    };
    assert.equal(firstDecision(o, ranks)[0], 'fail');
  });

  it('compares error ratios per request and latency histograms per bucket', () => {
    // at 50 canary requests a second, a look can show a 2× error ratio from the second minute on
    const errors = { metrics: [{ metric: 'errors' as const }] };
    assert.deepEqual(firstDecision(simulated(1, { ...HEALTHY, errorRatio: 0.025 }), errors).slice(0, 2), [
      'fail',
      120,
    ]);
    assert.deepEqual(firstDecision(simulated(2, HEALTHY), errors).slice(0, 2), ['pass', 360]);
    const slower = simulated(3, { ...HEALTHY, latencyMedian: 0.26 });
    assert.deepEqual(firstDecision(slower).slice(0, 2), ['fail', 60]);
  });

  it('waits rather than passes when errors are too rare to show a 2× regression', () => {
    // 5 canary requests a second at 1% errors: five minutes is ~15 failures, far from enough
    const o = simulated(4, { ...HEALTHY, errorRatio: 0.01 }, 50, 600);
    const [decision, , v] = firstDecision(o, { metrics: [{ metric: 'errors' }] });
    assert.equal(decision, 'continue');
    assert.match(
      v.reason,
      /too little evidence: a 2× error ratio would show with 0.8 power after about \d+ canary requests, \d+ so far/,
    );
    const none = simulated(5, { ...HEALTHY, errorRatio: 0 }, 500, 120);
    const noErrors = { ...none, stable: none.canary };
    const quiet = comparisonJudge({ metrics: [{ metric: 'errors' }] }).decide(noErrors, at(120));
    assert.match(quiet.reason, /no stable errors yet/);
  });

  it('refuses unknown metrics, directions and effect sizes', () => {
    const metric = (m: object) => () =>
      comparisonJudge({ metrics: [m as ComparisonOptions['metrics'][number]] });
    assert.throws(metric({ metric: 'cpu' }), /unknown metric "cpu": want errors or latency/);
    assert.throws(
      metric({ metric: 'errors', direction: 'up' }),
      /unknown direction "up": want increase, decrease, either/,
    );
    assert.throws(
      metric({ metric: 'errors', effectSize: { measure: 'cohen', tolerance: 1 } }),
      /unknown effect size "cohen"/,
    );
    assert.throws(() => comparisonJudge({ metrics: [] }), /at least one metric/);
    assert.throws(
      () => comparisonJudge({ metrics: [{ metric: 'errors' }], detect: 1 }),
      /detect must be a ratio above 1/,
    );
  });
});
