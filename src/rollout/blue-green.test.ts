import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseStrategy } from './resolve-strategy.ts';
import { Driver, MIN, SEC, T0, at, rolloutOf, types } from './rollout.fixture.ts';

const judged = parseStrategy({
  blueGreen: {
    prePromotionAnalysis: { templates: ['smoke-check'] },
    postPromotionAnalysis: { templates: ['slo-burn-check'] },
  },
});

/** A blue-green rollout whose preview passed its smoke check at +1m and waits for promotion. */
function awaitingPromotion(strategy = judged): Driver {
  const d = new Driver(rolloutOf(strategy));
  const start = d.step(T0, { canaryReadyInstances: 0 });
  assert.deepEqual(start.actions.slice(0, 2), [
    { type: 'start-instances', version: 'v2', revision: 2, replicas: 2 },
    { type: 'route-preview', version: 'v2' },
  ]);
  assert.deepEqual(start.nextAt, at(10 * MIN));
  const ready = d.step(at(20 * SEC));
  assert.deepEqual(ready.actions, [
    {
      type: 'start-analysis',
      runId: 'r1#1/pre-promotion',
      kind: 'pre-promotion',
      templates: ['smoke-check'],
    },
  ]);
  assert.equal(d.state.phase, 'analysing');
  d.verdict(at(MIN), 'successful');
  return d;
}

describe('blue-green', () => {
  it('waits for promote after the preview passed, then switches all traffic at once', () => {
    const d = awaitingPromotion();
    assert.equal(d.state.phase, 'paused');
    assert.equal(d.state.pauseReason, 'awaiting-promotion');
    assert.equal(d.state.weight, 0);
    const switched = d.step(at(2 * MIN), { commands: ['promote'] });
    assert.deepEqual(types(switched.actions), ['set-weight', 'notify', 'start-analysis']);
    assert.deepEqual(switched.actions[0], {
      type: 'set-weight',
      canaryPerMille: 1000,
      stableVersion: 'v1',
      canaryVersion: 'v2',
    });
    assert.equal(d.state.phase, 'promoted');
  });

  it('completes after post-promotion analysis and keeps the old version for the scale-down delay', () => {
    const d = awaitingPromotion();
    d.step(at(2 * MIN), { commands: ['promote'] });
    const done = d.verdict(at(7 * MIN), 'successful');
    assert.deepEqual(done.actions.slice(0, 2), [
      { type: 'route-preview', version: null },
      { type: 'stop-instances', version: 'v1', at: at(7 * MIN + 30 * SEC) },
    ]);
    assert.equal(d.state.phase, 'completed');
    assert.deepEqual(d.state.stable, { version: 'v2', revision: 2 });
    assert.deepEqual(d.step(at(7 * MIN + 30 * SEC)).actions, [{ type: 'stop-instances', version: 'v1' }]);
  });

  it('switches back when post-promotion analysis fails: set-weight 0 first, old version never stopped', () => {
    const d = awaitingPromotion();
    d.step(at(2 * MIN), { commands: ['promote'] });
    const back = d.verdict(at(4 * MIN), 'failed');
    assert.deepEqual(types(back.actions), ['set-weight', 'route-preview', 'stop-instances', 'notify']);
    assert.equal(back.actions[0]?.type === 'set-weight' && back.actions[0].canaryPerMille, 0);
    assert.deepEqual(back.actions[2], { type: 'stop-instances', version: 'v2', at: at(4 * MIN + 30 * SEC) });
    assert.equal(d.state.phase, 'rolled-back');
    assert.deepEqual(d.state.stable, { version: 'v1', revision: 1 });
  });

  it('switches back on 3 failed health probes after the switch', () => {
    const d = awaitingPromotion();
    d.step(at(2 * MIN), { commands: ['promote'] });
    for (const s of [10, 20, 30]) d.step(at(2 * MIN + s * SEC), { canaryHealthy: false });
    assert.equal(d.state.phase, 'rolled-back');
    assert.equal(d.state.weight, 0);
  });

  it('a failed preview is aborted: traffic never left the old version', () => {
    const d = new Driver(rolloutOf(judged));
    d.step(T0);
    const result = d.verdict(at(MIN), 'failed');
    assert.equal(d.state.phase, 'aborted');
    assert.deepEqual(types(result.actions), ['set-weight', 'route-preview', 'stop-instances', 'notify']);
  });

  it('auto-promotes autoPromotionDelayMs after the preview passed', () => {
    const strategy = parseStrategy({
      blueGreen: { prePromotionAnalysis: { templates: ['smoke-check'] }, autoPromotionDelayMs: MIN },
    });
    const d = awaitingPromotion(strategy);
    assert.equal(d.state.pauseReason, 'awaiting-promotion');
    assert.deepEqual(d.step(at(2 * MIN - 1)).nextAt, at(2 * MIN));
    const switched = d.step(at(2 * MIN));
    assert.deepEqual(types(switched.actions), [
      'set-weight',
      'notify',
      'route-preview',
      'stop-instances',
      'notify',
    ]);
    assert.equal(d.state.phase, 'completed');
  });

  it('with no analysis and no delay, switches as soon as the preview is ready', () => {
    const d = new Driver(
      rolloutOf(parseStrategy({ blueGreen: { autoPromotionDelayMs: 0, scaleDownDelayMs: 0 } })),
    );
    d.step(T0, { canaryReadyInstances: 1 });
    assert.equal(d.state.weight, 0);
    const result = d.step(at(5 * SEC));
    assert.deepEqual(types(result.actions), [
      'set-weight',
      'notify',
      'route-preview',
      'stop-instances',
      'notify',
    ]);
    assert.deepEqual(result.actions[3], { type: 'stop-instances', version: 'v1' });
  });

  it('promote-full skips both analyses', () => {
    const d = new Driver(rolloutOf(judged));
    d.step(T0);
    const result = d.step(at(SEC), { commands: ['promote-full'] });
    assert.deepEqual(types(result.actions), [
      'stop-analysis',
      'set-weight',
      'route-preview',
      'stop-instances',
      'notify',
    ]);
    assert.equal(d.state.phase, 'completed');
  });
});
