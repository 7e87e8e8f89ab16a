import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flaggerWeights } from './flagger.ts';
import { fromFlagger } from './presets.ts';
import { resolveStrategy } from './resolve-strategy.ts';
import { Driver, MIN, T0, at, rolloutOf, weights } from './rollout.fixture.ts';

/** The DawsOS seed's `analysis:` block. */
const DAWSOS = {
  intervalMs: MIN,
  threshold: 5,
  maxWeight: 100,
  stepWeight: 20,
  templates: ['request-success-rate', 'request-duration-p95', 'pricing-pack-health'],
};

describe('Flagger analysis as canary steps', () => {
  it('DawsOS stepWeight 20, maxWeight 100: 20/40/60/80/100 one interval apart', () => {
    const strategy = fromFlagger(DAWSOS);
    assert.deepEqual(strategy.steps, [
      { setWeight: 200 },
      { pause: { durationMs: MIN } },
      { setWeight: 400 },
      { pause: { durationMs: MIN } },
      { setWeight: 600 },
      { pause: { durationMs: MIN } },
      { setWeight: 800 },
      { pause: { durationMs: MIN } },
      { setWeight: 1000 },
      { pause: { durationMs: MIN } },
    ]);
  });

  it('threshold 5 becomes background analysis that fails on the 5th failed check', () => {
    assert.deepEqual(fromFlagger(DAWSOS).backgroundAnalysis, {
      templates: DAWSOS.templates,
      startingStep: 0,
      failureLimit: 4,
      intervalMs: MIN,
    });
    assert.equal(fromFlagger({ ...DAWSOS, templates: undefined }).backgroundAnalysis, undefined);
  });

  it('runs 20% at t0 … 100% at +4m and completes at +5m', () => {
    const d = new Driver(rolloutOf(fromFlagger(DAWSOS)));
    const seen: [number, number[]][] = [];
    for (let minute = 0; minute <= 5; minute++) {
      const result = d.step(at(minute * MIN));
      seen.push([minute, weights(result.actions)]);
    }
    assert.deepEqual(seen, [
      [0, [200]],
      [1, [400]],
      [2, [600]],
      [3, [800]],
      [4, [1000]],
      [5, []],
    ]);
    assert.equal(d.state.phase, 'completed');
    assert.equal(d.state.finishedAt, at(5 * MIN).toISOString());
  });

  it('the seed comment "5% → 25% → 45% → 65% → 85% → 100%" is stepWeights, not stepWeight 20', () => {
    assert.deepEqual(flaggerWeights({ stepWeight: 20, maxWeight: 100 }), [200, 400, 600, 800, 1000]);
    assert.deepEqual(
      flaggerWeights({ stepWeights: [5, 25, 45, 65, 85, 100] }),
      [50, 250, 450, 650, 850, 1000],
    );
  });

  it('never goes past maxWeight (Flagger would run 20/40/60 for maxWeight 50)', () => {
    assert.deepEqual(flaggerWeights({ stepWeight: 20, maxWeight: 50 }), [200, 400, 500]);
    assert.deepEqual(flaggerWeights({ stepWeight: 2.5, maxWeight: 10 }), [25, 50, 75, 100]);
    assert.deepEqual(flaggerWeights({ stepWeight: 100 }), [1000]);
  });

  it('promotes from maxWeight below 100 straight to 100% after the last interval', () => {
    const d = new Driver(
      rolloutOf(fromFlagger({ stepWeight: 25, maxWeight: 50, intervalMs: MIN, threshold: 1 })),
    );
    assert.deepEqual(weights(d.step(T0).actions), [250]);
    assert.deepEqual(weights(d.step(at(MIN)).actions), [500]);
    assert.deepEqual(weights(d.step(at(2 * MIN)).actions), [1000]);
    assert.equal(d.state.phase, 'completed');
  });

  it('names the bad field', () => {
    const issues = (flagger: unknown) => {
      const result = resolveStrategy({ flagger });
      return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
    };
    assert.deepEqual(issues({ stepWeight: 0, intervalMs: MIN, threshold: 5 }), [
      'flagger.stepWeight: must be a percentage above 0 up to 100 in 0.1 steps, got 0',
    ]);
    assert.deepEqual(issues({ intervalMs: MIN, threshold: 5 }), [
      'flagger.stepWeight: is required (or give stepWeights)',
    ]);
    assert.deepEqual(issues({ stepWeight: 20, stepWeights: [5, 25], intervalMs: MIN, threshold: 5 }), [
      'flagger.stepWeights: set either stepWeight or stepWeights, not both',
    ]);
    assert.deepEqual(issues({ stepWeights: [5, 25], maxWeight: 50, intervalMs: MIN, threshold: 5 }), [
      'flagger.maxWeight: is not used with stepWeights (the last step weight is the maximum)',
    ]);
    assert.deepEqual(issues({ stepWeights: [25, 5, 0.05], intervalMs: MIN, threshold: 5 }), [
      'flagger.stepWeights[1]: must be above the previous weight 25, got 5',
      'flagger.stepWeights[2]: must be a percentage above 0 up to 100 in 0.1 steps, got 0.05',
    ]);
    assert.deepEqual(issues({ stepWeight: 60, maxWeight: 50, threshold: 0 }), [
      'flagger.intervalMs: is required',
      'flagger.threshold: must be an integer from 1 to 1000, got 0',
      'flagger.stepWeight: must not exceed maxWeight 50, got 60',
    ]);
  });
});
