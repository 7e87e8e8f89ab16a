import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tier1 } from './presets.ts';
import { reconcile } from './reconcile.ts';
import { parseStrategy } from './resolve-strategy.ts';
import { Driver, MIN, SEC, T0, at, look, rolloutOf, stepRun, types, weights } from './rollout.fixture.ts';

/** 10% then an untimed pause, then 50% and a 5 minute pause, then 100%. */
const manual = parseStrategy({
  canary: {
    steps: [{ setWeight: 100 }, { pause: {} }, { setWeight: 500 }, { pause: { durationMs: 5 * MIN } }],
  },
});

function pausedAt10Percent(): Driver {
  const d = new Driver(rolloutOf(manual));
  const first = d.step(T0);
  assert.equal(d.state.phase, 'paused');
  assert.equal(first.nextAt, undefined, 'an untimed pause waits for promote, not for time');
  assert.deepEqual(
    first.actions.filter((a) => a.type === 'notify').map((a) => a.type === 'notify' && a.event),
    ['started', 'waiting-for-promotion'],
  );
  return d;
}

describe('promote', () => {
  it('skips the current pause', () => {
    const d = pausedAt10Percent();
    assert.deepEqual(d.step(at(3 * MIN)).actions, []);
    const result = d.step(at(4 * MIN), { commands: ['promote'] });
    assert.deepEqual(weights(result.actions), [500]);
    assert.deepEqual(result.nextAt, at(9 * MIN));
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      d.state.history.slice(-4).map((h) => `${h.event}: ${h.detail}`),
      [
        'command: promote',
        'resumed: progressing at step 3/4',
        'weight-set: 50% of traffic to v2',
        'paused: pause-step at step 4/4',
      ],
    );
  });

  it('skips a timed pause too', () => {
    const d = pausedAt10Percent();
    d.step(at(MIN), { commands: ['promote'] });
    const result = d.step(at(2 * MIN), { commands: ['promote'] });
    assert.deepEqual(weights(result.actions), [1000]);
    assert.equal(d.state.phase, 'completed');
  });

  it('is an error that changes nothing when nothing is paused', () => {
    const d = new Driver(rolloutOf(tier1()));
    d.step(T0);
    assert.equal(d.state.phase, 'analysing');
    const before = d.state;
    const result = reconcile(before, look({ commands: ['promote'] }), at(10 * SEC));
    assert.deepEqual(result.errors, [
      {
        command: 'promote',
        message:
          'cannot promote: the rollout is analysing, not paused; wait for the analysis, or promote-full to skip all steps',
      },
    ]);
    assert.deepEqual(result.actions, []);
    assert.deepEqual(result.next, before);
  });

  it('accepts an inconclusive analysis and goes on', () => {
    const d = new Driver(rolloutOf(tier1()));
    d.step(T0);
    d.verdict(T0, 'inconclusive');
    const result = d.step(at(MIN), { commands: ['promote'] });
    assert.equal(d.state.phase, 'paused');
    assert.equal(d.state.pauseReason, 'pause-step');
    assert.deepEqual(result.nextAt, at(2 * MIN), 'the 1m pause starts when the person promoted');
  });
});

describe('promote-full', () => {
  it('jumps to 100% and completes, stopping the running analysis', () => {
    const d = new Driver(rolloutOf(tier1()));
    d.step(T0);
    const run = stepRun(d.state);
    const result = d.step(at(20 * SEC), { commands: ['promote-full'] });
    assert.deepEqual(types(result.actions), ['stop-analysis', 'set-weight', 'stop-instances', 'notify']);
    assert.deepEqual(result.actions[0], { type: 'stop-analysis', runId: run });
    assert.deepEqual(weights(result.actions), [1000]);
    assert.equal(d.state.phase, 'completed');
    assert.deepEqual(d.state.stable, { version: 'v2', revision: 2 });
  });

  it('still waits for ready instances before sending them all traffic', () => {
    const d = new Driver(rolloutOf(tier1()));
    d.step(T0, { canaryReadyInstances: 0, commands: ['promote-full'] });
    assert.equal(d.state.phase, 'progressing');
    assert.deepEqual(weights(d.step(at(SEC)).actions), [1000]);
  });
});

describe('pause and resume', () => {
  it('a manual pause holds a timed pause without extending it', () => {
    const d = new Driver(rolloutOf(manual));
    d.step(T0);
    d.step(at(MIN), { commands: ['promote'] });
    assert.equal(d.state.weight, 500);
    const held = d.step(at(2 * MIN), { commands: ['pause'] });
    assert.equal(d.state.pauseReason, 'manual');
    assert.equal(held.nextAt, undefined);
    assert.deepEqual(d.step(at(30 * MIN)).actions, [], 'held past the end of the 5m pause');
    const resumed = d.step(at(31 * MIN), { commands: ['resume'] });
    assert.deepEqual(weights(resumed.actions), [1000]);
  });

  it('holds a weight step; failing analysis still aborts while held', () => {
    const d = new Driver(rolloutOf(tier1()));
    d.step(T0, { commands: ['pause'] });
    assert.equal(d.state.phase, 'paused');
    assert.equal(d.state.weight, 0);
    d.step(at(MIN), { commands: ['resume'] });
    assert.equal(d.state.weight, 10);
    d.step(at(2 * MIN), { commands: ['pause'] });
    d.verdict(at(3 * MIN), 'failed');
    assert.equal(d.state.phase, 'rolled-back');
  });

  it('resume on an inconclusive analysis runs it again', () => {
    const d = new Driver(rolloutOf(tier1()));
    d.step(T0);
    d.verdict(T0, 'inconclusive');
    const result = d.step(at(MIN), { commands: ['resume'] });
    assert.deepEqual(result.actions, [
      { type: 'start-analysis', runId: 'r1#1/step-1.2', kind: 'step', templates: ['smoke-check'] },
    ]);
    assert.equal(d.state.phase, 'analysing');
  });

  it('errors: pause twice, resume a pause step, resume when running', () => {
    const d = pausedAt10Percent();
    assert.deepEqual(d.step(at(SEC), { commands: ['resume'] }).errors, [
      { command: 'resume', message: 'cannot resume: paused at a pause-step, which only promote goes past' },
    ]);
    d.step(at(2 * SEC), { commands: ['pause'] });
    assert.deepEqual(d.step(at(3 * SEC), { commands: ['pause'] }).errors, [
      { command: 'pause', message: 'cannot pause: already paused by a person; resume or promote to go on' },
    ]);
    const e = new Driver(rolloutOf(tier1()));
    e.step(T0);
    assert.deepEqual(e.step(at(SEC), { commands: ['resume'] }).errors, [
      { command: 'resume', message: 'cannot resume: the rollout is analysing, not paused' },
    ]);
  });
});

describe('abort and retry', () => {
  it('abort rolls back at once with set-weight 0 first', () => {
    const d = pausedAt10Percent();
    const result = d.step(at(MIN), { commands: ['abort'] });
    assert.deepEqual(types(result.actions), ['set-weight', 'stop-instances', 'notify']);
    assert.deepEqual(weights(result.actions), [0]);
    assert.equal(d.state.phase, 'rolled-back');
    assert.equal(d.state.abortReason, 'aborted by command');
    assert.deepEqual(d.step(at(2 * MIN), { commands: ['abort'] }).errors, [
      { command: 'abort', message: 'cannot abort: the rollout is already rolled-back' },
    ]);
  });

  it('retry starts again from step 1 with new analysis runs, cancelling the pending stop', () => {
    const d = new Driver(rolloutOf(tier1()));
    d.step(T0);
    d.verdict(T0, 'failed');
    assert.equal(d.state.scaleDowns.length, 1);
    const result = d.step(at(10 * SEC), { commands: ['retry'] });
    assert.deepEqual(types(result.actions), ['notify', 'start-instances', 'set-weight', 'start-analysis']);
    assert.deepEqual(weights(result.actions), [10]);
    assert.equal(stepRun(d.state), 'r1#2/step-1');
    assert.equal(d.state.attempt, 2);
    assert.deepEqual(d.state.scaleDowns, []);
    assert.equal(result.nextAt, undefined, 'the stop of v2 was cancelled');
    d.verdict(at(20 * SEC), 'successful');
    assert.equal(d.state.phase, 'paused');
  });

  it('retry is an error unless the rollout failed', () => {
    const d = pausedAt10Percent();
    const before = d.state;
    const result = reconcile(before, look({ commands: ['retry'] }), at(SEC));
    assert.deepEqual(result.errors, [
      {
        command: 'retry',
        message: 'cannot retry: only an aborted or rolled-back rollout can be retried; this one is paused',
      },
    ]);
    assert.deepEqual(result.next, before);
  });

  it('nothing but retry works on a finished rollout', () => {
    const d = pausedAt10Percent();
    d.step(at(SEC), { commands: ['promote-full'] });
    const result = d.step(at(2 * SEC), { commands: ['promote', 'promote-full', 'pause', 'abort', 'retry'] });
    assert.deepEqual(
      result.errors.map((e) => e.message),
      [
        'cannot promote: the rollout is completed, not paused',
        'cannot promote-full: the rollout is completed',
        'cannot pause: the rollout is completed',
        'cannot abort: the rollout is already completed',
        'cannot retry: only an aborted or rolled-back rollout can be retried; this one is completed',
      ],
    );
  });
});

describe('command batches', () => {
  it('an unknown command is an error listing the valid ones', () => {
    const result = reconcile(rolloutOf(tier1()), look({ commands: ['rollback'] }), T0);
    assert.deepEqual(result.errors, [
      {
        command: 'rollback',
        message:
          'unknown command "rollback"; valid commands: promote, promote-full, pause, resume, abort, retry',
      },
    ]);
  });

  it('a replayed batch is not applied twice', () => {
    const d = pausedAt10Percent();
    const batch = look({ commands: ['promote'] });
    const once = reconcile(d.state, batch, at(MIN));
    const twice = reconcile(once.next, batch, at(MIN));
    assert.equal(once.next.weight, 500);
    assert.deepEqual(twice.next, once.next);
    assert.deepEqual(twice.errors, [
      {
        command: 'promote',
        message: `ignored: commands observed at or before ${at(MIN).toISOString()} were already consumed`,
      },
    ]);
  });

  it('commands apply in order: pause then promote', () => {
    const d = new Driver(rolloutOf(manual));
    d.step(T0);
    d.step(at(MIN), { commands: ['promote'] });
    const result = d.step(at(2 * MIN), { commands: ['pause', 'promote'] });
    assert.deepEqual(weights(result.actions), [1000], 'promote lifts the hold and skips the 5m pause');
  });
});
