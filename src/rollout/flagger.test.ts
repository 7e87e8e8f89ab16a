import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { flaggerWeights } from './flagger.ts';
import { fromFlagger } from './presets.ts';
import { resolveStrategy } from './resolve-strategy.ts';
import { Driver, MIN, SEC, T0, at, rolloutOf, types, weights } from './rollout.fixture.ts';

/** The DawsOS seed's `analysis:` block. */
const DAWSOS = {
  intervalMs: MIN,
  threshold: 5,
  maxWeight: 100,
  stepWeight: 20,
  templates: ['request-success-rate', 'request-duration-p95', 'pricing-pack-health'],
};

describe('Flagger analysis as canary steps', () => {
  it('DawsOS stepWeight 20, maxWeight 100: 20/40/60/80/100, each a pause of interval then a check', () => {
    const strategy = fromFlagger(DAWSOS);
    const check = { analysis: { templates: DAWSOS.templates } };
    const pause = { pause: { durationMs: MIN } };
    assert.deepEqual(strategy.steps, [
      { setWeight: 200 },
      pause,
      check,
      { setWeight: 400 },
      pause,
      check,
      { setWeight: 600 },
      pause,
      check,
      { setWeight: 800 },
      pause,
      check,
      { setWeight: 1000 },
      pause,
      check,
    ]);
    assert.equal(strategy.failedCheckThreshold, 5);
    assert.equal(strategy.backgroundAnalysis, undefined);
  });

  it('without templates only the pauses pace it and nothing counts checks', () => {
    const strategy = fromFlagger({ ...DAWSOS, templates: undefined });
    assert.equal(strategy.steps.length, 10);
    assert.equal(strategy.failedCheckThreshold, undefined);
  });

  it('a healthy canary: every check passes, 20 → 40 → 60 → 80 → 100% one interval apart, then promoted', () => {
    const d = new Driver(rolloutOf(fromFlagger(DAWSOS)));
    const seen: number[] = [];
    seen.push(...weights(d.step(T0).actions));
    let t = 0;
    for (let i = 1; i <= 5; i++) {
      t += MIN;
      d.step(at(t));
      t += SEC;
      seen.push(...weights(d.verdict(at(t), 'successful').actions));
    }
    assert.deepEqual(seen, [200, 400, 600, 800, 1000]);
    assert.equal(d.state.phase, 'completed');
    assert.equal(d.state.finishedAt, at(5 * MIN + 5 * SEC).toISOString());
  });

  it('a failed check holds the weight and checks again one interval later', () => {
    const d = new Driver(rolloutOf(fromFlagger(DAWSOS)));
    d.step(T0);
    d.step(at(MIN));
    d.verdict(at(MIN + SEC), 'successful'); // 40%
    d.step(at(2 * MIN + SEC));
    const held = d.verdict(at(2 * MIN + 2 * SEC), 'failed');
    assert.deepEqual(weights(held.actions), []);
    assert.equal(d.state.weight, 400);
    assert.equal(d.state.failedChecks, 1);
    assert.equal(d.state.phase, 'paused');
    assert.equal(held.nextAt?.toISOString(), at(3 * MIN + 2 * SEC).toISOString());
    // too early: still waiting, no new check
    assert.equal(d.step(at(3 * MIN)).actions.length, 0);
    // one interval later the check runs again; it passes and the weight moves on
    assert.deepEqual(types(d.step(at(3 * MIN + 2 * SEC)).actions), ['start-analysis']);
    assert.deepEqual(weights(d.verdict(at(3 * MIN + 3 * SEC), 'successful').actions), [600]);
    assert.equal(d.state.failedChecks, 1, 'failed checks count over the whole analysis, not in a row');
  });

  it('rolls back at the threshold-th failed check, never past the weight where checks failed', () => {
    const d = new Driver(rolloutOf(fromFlagger(DAWSOS)));
    d.step(T0);
    let t = MIN;
    const all: number[] = [];
    for (let check = 1; check <= 5; check++) {
      all.push(...weights(d.step(at(t)).actions));
      const result = d.verdict(at(t + SEC), check === 3 ? 'error' : 'failed');
      all.push(...weights(result.actions));
      if (check < 5) assert.equal(d.state.phase, 'paused', `after failed check ${check}`);
      t += MIN + SEC;
    }
    assert.deepEqual(all, [0], 'the only weight change is back to stable');
    assert.equal(d.state.phase, 'rolled-back');
    assert.match(d.state.abortReason ?? '', /^5 of 5 checks failed/);
  });

  it('failed checks over the analysis add up: 4 failures, passes between, the 5th rolls back', () => {
    const d = new Driver(rolloutOf(fromFlagger(DAWSOS)));
    d.step(T0);
    const verdicts = ['failed', 'successful', 'failed', 'failed', 'successful', 'failed', 'failed'] as const;
    let t = MIN;
    for (const v of verdicts) {
      d.step(at(t));
      d.verdict(at(t + SEC), v);
      t += MIN + SEC;
    }
    assert.equal(d.state.phase, 'rolled-back');
    assert.equal(d.state.failedChecks, 5);
    assert.ok(d.state.history.some((h) => h.event === 'weight-set' && h.detail.startsWith('60%')));
    assert.ok(!d.state.history.some((h) => h.event === 'weight-set' && h.detail.startsWith('80%')));
  });

  it('property: only a passing check raises the weight; the threshold-th failed check rolls back', () => {
    const verdict = fc.constantFrom('successful', 'failed', 'error') as fc.Arbitrary<
      'successful' | 'failed' | 'error'
    >;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(verdict, { maxLength: 16 }),
        (threshold, verdicts) => {
          const d = new Driver(rolloutOf(fromFlagger({ ...DAWSOS, threshold })));
          d.step(T0);
          let t = 0;
          let failures = 0;
          let passes = 0;
          for (const v of verdicts) {
            if (d.state.phase === 'rolled-back' || d.state.phase === 'completed') break;
            t += MIN;
            d.step(at(t));
            t += SEC;
            const before = d.state.weight;
            d.verdict(at(t), v);
            if (v === 'successful') {
              passes += 1;
              if (passes < 5) assert.equal(d.state.weight, before + 200);
            } else {
              failures += 1;
              if (failures < threshold)
                assert.equal(d.state.weight, before, 'a failed check holds the weight');
            }
          }
          const expected = failures >= threshold ? 'rolled-back' : passes >= 5 ? 'completed' : 'paused';
          assert.equal(d.state.phase, expected);
          assert.equal(d.state.weight, expected === 'rolled-back' ? 0 : Math.min(200 * (passes + 1), 1000));
        },
      ),
    );
  });

  it('retry starts a new attempt with no failed checks', () => {
    const d = new Driver(rolloutOf(fromFlagger({ ...DAWSOS, threshold: 1 })));
    d.step(T0);
    d.step(at(MIN));
    d.verdict(at(MIN + SEC), 'failed');
    assert.equal(d.state.phase, 'rolled-back');
    d.step(at(2 * MIN), { commands: ['retry'] });
    assert.equal(d.state.failedChecks, undefined);
    assert.equal(d.state.attempt, 2);
    assert.equal(d.state.weight, 200);
  });

  it('without templates: 20% at t0 … 100% at +4m and completes at +5m', () => {
    const d = new Driver(rolloutOf(fromFlagger({ ...DAWSOS, templates: undefined })));
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
