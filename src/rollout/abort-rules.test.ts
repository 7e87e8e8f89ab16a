import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseStrategy } from './resolve-strategy.ts';
import { tier1 } from './presets.ts';
import { Driver, MIN, SEC, T0, at, rolloutOf, stepRun, types, weights } from './rollout.fixture.ts';
import type { CanaryStrategy } from './strategy.ts';

/** A tier 1 rollout at +6m: 25% of traffic, synthetic-check running. */
function tier1At25Percent(strategy: CanaryStrategy = tier1()): Driver {
  const d = new Driver(rolloutOf(strategy));
  d.step(T0);
  d.verdict(T0, 'successful');
  d.step(at(MIN));
  d.verdict(at(MIN), 'successful');
  d.step(at(6 * MIN));
  assert.equal(d.state.weight, 250);
  assert.equal(d.state.phase, 'analysing');
  return d;
}

describe('abort on analysis', () => {
  it('a failed analysis at step 3 (25%, synthetic-check) rolls back with set-weight 0 first', () => {
    const d = tier1At25Percent();
    const run = stepRun(d.state);
    const result = d.verdict(at(7 * MIN), 'failed');
    assert.deepEqual(result.actions[0], {
      type: 'set-weight',
      canaryPerMille: 0,
      stableVersion: 'v1',
      canaryVersion: 'v2',
    });
    assert.deepEqual(types(result.actions), ['set-weight', 'stop-instances', 'notify']);
    assert.deepEqual(result.actions[1], {
      type: 'stop-instances',
      version: 'v2',
      at: at(7 * MIN + 30 * SEC),
    });
    assert.equal(d.state.phase, 'rolled-back');
    assert.equal(d.state.weight, 0);
    assert.equal(d.state.abortReason, `analysis ${run} (synthetic-check) failed`);
    assert.deepEqual(result.nextAt, at(7 * MIN + 30 * SEC));

    // nothing moves afterwards but the delayed stop of the new version
    assert.deepEqual(d.step(at(7 * MIN + 10 * SEC), { canaryHealthy: false, crashLoop: true }).actions, []);
    assert.deepEqual(d.step(at(7 * MIN + 30 * SEC)).actions, [{ type: 'stop-instances', version: 'v2' }]);
    assert.equal(d.state.weight, 0);
  });

  it('an analysis error aborts like a failure (fail closed), and so does an unknown verdict', () => {
    const d = tier1At25Percent();
    d.verdict(at(7 * MIN), 'error');
    assert.equal(d.state.phase, 'rolled-back');

    const e = tier1At25Percent();
    e.step(at(7 * MIN), { analysis: { [stepRun(e.state)]: 'exploded' as 'failed' } });
    assert.match(e.state.abortReason ?? '', /error$/);
  });

  it('an inconclusive analysis pauses for a person and holds the weight', () => {
    const d = tier1At25Percent();
    const result = d.verdict(at(7 * MIN), 'inconclusive');
    assert.equal(d.state.phase, 'paused');
    assert.equal(d.state.pauseReason, 'inconclusive');
    assert.deepEqual(types(result.actions), ['notify']);
    assert.equal(result.nextAt, undefined);
    assert.deepEqual(d.step(at(60 * MIN)).actions, []);
    assert.equal(d.state.weight, 250);
  });
});

describe('abort on health probes', () => {
  it('3 consecutive failures roll back', () => {
    const d = tier1At25Percent();
    d.step(at(7 * MIN), { canaryHealthy: false });
    d.step(at(7 * MIN + 10 * SEC), { canaryHealthy: false });
    assert.equal(d.state.phase, 'analysing');
    const third = d.step(at(7 * MIN + 20 * SEC), { canaryHealthy: false });
    assert.equal(d.state.phase, 'rolled-back');
    assert.equal(weights(third.actions)[0], 0);
    assert.equal(d.state.abortReason, '3 consecutive health check failures of v2');
  });

  it('2 failures do not, and a success starts the count again', () => {
    const d = tier1At25Percent();
    for (const [s, healthy] of [
      [0, false],
      [10, false],
      [20, true],
      [30, false],
      [40, undefined],
      [50, false],
    ] as const) {
      d.step(at(7 * MIN + s * SEC), { canaryHealthy: healthy });
    }
    assert.equal(d.state.phase, 'analysing');
    assert.equal(d.state.consecutiveHealthFailures, 2);
  });

  it('a replayed probe result is not counted twice', () => {
    const d = tier1At25Percent();
    const failing = {
      canaryHealthy: false,
      canaryReadyInstances: 2,
      crashLoop: false,
      analysis: {},
      commands: [],
    };
    d.step(at(7 * MIN), failing);
    d.step(at(7 * MIN), failing);
    d.step(at(7 * MIN), failing);
    assert.equal(d.state.consecutiveHealthFailures, 1);
  });

  it('the limit comes from abortOn', () => {
    const strategy = tier1({ abortOn: { consecutiveHealthFailures: 1 } });
    const d = tier1At25Percent(strategy);
    d.step(at(7 * MIN), { canaryHealthy: false });
    assert.equal(d.state.phase, 'rolled-back');
  });
});

describe('abort on crash loop', () => {
  it('a crash-looping new version rolls back at once', () => {
    const d = tier1At25Percent();
    const result = d.step(at(7 * MIN), { crashLoop: true });
    assert.equal(d.state.phase, 'rolled-back');
    assert.equal(d.state.abortReason, 'v2 is crash-looping');
    assert.deepEqual(types(result.actions), ['set-weight', 'stop-analysis', 'stop-instances', 'notify']);
  });

  it('before any traffic moved it is an abort, still with set-weight 0 first', () => {
    const d = new Driver(rolloutOf(tier1()));
    const result = d.step(T0, { crashLoop: true, canaryReadyInstances: 0 });
    assert.equal(d.state.phase, 'aborted');
    assert.deepEqual(types(result.actions), [
      'set-weight',
      'start-instances',
      'notify',
      'stop-instances',
      'notify',
    ]);
    assert.equal(weights(result.actions)[0], 0);
  });

  it('is ignored when abortOn.crashLoop is false', () => {
    const d = tier1At25Percent(tier1({ abortOn: { crashLoop: false } }));
    d.step(at(7 * MIN), { crashLoop: true });
    assert.equal(d.state.phase, 'analysing');
  });
});

describe('abort on progress deadline', () => {
  it('instances never ready: aborted exactly 10 minutes after the last progress', () => {
    const d = new Driver(rolloutOf(tier1()));
    const first = d.step(T0, { canaryReadyInstances: 0 });
    assert.deepEqual(first.nextAt, at(10 * MIN));
    d.step(at(10 * MIN - 1), { canaryReadyInstances: 0 });
    assert.equal(d.state.phase, 'progressing');
    const result = d.step(at(10 * MIN), { canaryReadyInstances: 0 });
    assert.equal(d.state.phase, 'aborted');
    assert.equal(
      d.state.abortReason,
      'progress deadline exceeded: 0/2 instances of v2 ready, no progress for 10m00s',
    );
    assert.equal(weights(result.actions)[0], 0);
  });

  it('each instance that becomes ready is progress', () => {
    const d = new Driver(rolloutOf(tier1()));
    d.step(T0, { canaryReadyInstances: 0 });
    const one = d.step(at(8 * MIN), { canaryReadyInstances: 1 });
    assert.deepEqual(one.nextAt, at(18 * MIN));
    d.step(at(17 * MIN), { canaryReadyInstances: 1 });
    assert.equal(d.state.phase, 'progressing');
    assert.deepEqual(weights(d.step(at(17 * MIN)).actions), [10]);
  });

  it('instances lost before a weight step: rolled back from 10% after 10 minutes', () => {
    const d = new Driver(rolloutOf(tier1()));
    d.step(T0);
    d.verdict(T0, 'successful');
    d.step(at(MIN));
    d.verdict(at(MIN), 'successful');
    const stuck = d.step(at(6 * MIN), { canaryReadyInstances: 1 });
    assert.deepEqual(weights(stuck.actions), []);
    assert.equal(d.state.phase, 'progressing');
    assert.deepEqual(stuck.nextAt, at(16 * MIN));
    const result = d.step(at(16 * MIN), { canaryReadyInstances: 1 });
    assert.equal(d.state.phase, 'rolled-back');
    assert.equal(weights(result.actions)[0], 0);
  });

  it('pauses do not count against the deadline', () => {
    const strategy = parseStrategy({
      canary: { steps: [{ setWeight: 100 }, { pause: {} }, { setWeight: 500 }] },
    });
    const d = new Driver(rolloutOf(strategy));
    d.step(T0);
    const paused = d.step(at(60 * MIN), { canaryReadyInstances: 0 });
    assert.equal(d.state.phase, 'paused');
    assert.equal(paused.nextAt, undefined);
  });

  it('keeps waiting when abortOn.progressDeadline is false', () => {
    const d = new Driver(rolloutOf(tier1({ abortOn: { progressDeadline: false } })));
    const result = d.step(at(60 * MIN), { canaryReadyInstances: 0 });
    assert.equal(d.state.phase, 'progressing');
    assert.equal(result.nextAt, undefined);
  });
});

describe('background analysis', () => {
  const strategy = tier1({ backgroundAnalysis: { templates: ['slo-burn-check'], startingStep: 2 } });
  const background = 'r1#1/background';

  it('starts at its starting step and aborts at any step when it fails', () => {
    const d = new Driver(rolloutOf(strategy));
    d.step(T0);
    const passed = d.verdict(T0, 'successful');
    assert.deepEqual(passed.actions, [
      { type: 'start-analysis', runId: background, kind: 'background', templates: ['slo-burn-check'] },
    ]);
    const result = d.step(at(30 * SEC), { analysis: { [background]: 'failed' } });
    assert.equal(d.state.phase, 'rolled-back');
    assert.equal(d.state.abortReason, `analysis ${background} (slo-burn-check) failed`);
    assert.equal(weights(result.actions)[0], 0);
  });

  it('inconclusive pauses; promote goes on with a fresh run', () => {
    const d = new Driver(rolloutOf(strategy));
    d.step(T0);
    d.verdict(T0, 'successful');
    d.step(at(30 * SEC), { analysis: { [background]: 'inconclusive' } });
    assert.equal(d.state.pauseReason, 'inconclusive');
    assert.deepEqual(d.step(at(5 * MIN)).actions, [], 'the pause step does not end it');
    const promoted = d.step(at(6 * MIN), { commands: ['promote'] });
    assert.deepEqual(
      promoted.actions.flatMap((a) => (a.type === 'start-analysis' ? [a.runId] : [])),
      [`${background}.2`, 'r1#1/step-4'],
    );
    assert.equal(d.state.weight, 100);
  });

  it('is stopped when the rollout completes', () => {
    const d = new Driver(
      rolloutOf(
        parseStrategy({ canary: { steps: [{ setWeight: 500 }], backgroundAnalysis: { templates: ['x'] } } }),
      ),
    );
    const result = d.step(T0);
    assert.deepEqual(types(result.actions), [
      'start-instances',
      'notify',
      'start-analysis',
      'set-weight',
      'stop-analysis',
      'stop-instances',
      'notify',
    ]);
  });
});
