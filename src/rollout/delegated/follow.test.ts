import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { DelegatedStatus } from '../../targets/delegating.ts';
import { delegatedStrategy } from '../../deploy/strategies.ts';
import { newRollout } from '../state.ts';
import type { RolloutState } from '../state.ts';
import { commandAction, follow, unreachable } from './follow.ts';

const NEW = 'ghcr.io/acme/shop@sha256:' + 'b'.repeat(64);
const OLD = 'ghcr.io/acme/shop@sha256:' + 'a'.repeat(64);
const T0 = new Date('2026-12-08T01:00:00Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);
const PLAN = ['setWeight 20', 'pause', 'setWeight 50', 'pause 10s'];

function start(): RolloutState {
  return newRollout(
    {
      id: 'shop.production.r2',
      service: 'shop',
      environment: 'production',
      stable: { version: 'v1', revision: 1 },
      canary: { version: 'v2', revision: 2 },
      strategy: delegatedStrategy(),
      replicas: 1,
    },
    T0,
  );
}

function status(over: Partial<DelegatedStatus>): DelegatedStatus {
  return {
    phase: 'Progressing',
    message: '',
    aborted: false,
    pauseReasons: [],
    steps: 4,
    plan: PLAN,
    image: NEW,
    ...over,
  };
}

describe('follow (an Argo Rollout seen by Runway)', () => {
  it('asks for the image while the Rollout runs another one, and records it once', () => {
    const a = follow(start(), NEW, status({ image: OLD, phase: 'Healthy' }), at(1));
    assert.equal(a.setImage, NEW);
    assert.equal(a.next.phase, 'progressing', "the old release's Healthy is not this rollout's");
    const b = follow(a.next, NEW, status({ image: OLD, phase: 'Healthy' }), at(2));
    assert.equal(b.setImage, NEW, 'asked again (idempotent) until the Rollout runs it');
    assert.equal(b.next.history.filter((h) => h.event === 'instances-started').length, 1);
  });

  it('records each step with its weight, pauses, resumes and completes', () => {
    let s = follow(start(), NEW, status({ currentStepIndex: 0, weight: 0 }), at(1)).next;
    s = follow(
      s,
      NEW,
      status({
        phase: 'Paused',
        message: 'CanaryPauseStep',
        pauseReasons: ['CanaryPauseStep'],
        currentStepIndex: 1,
        weight: 20,
      }),
      at(2),
    ).next;
    assert.equal(s.phase, 'paused');
    assert.equal(s.pauseReason, 'pause-step');
    assert.equal(s.weight, 200);
    s = follow(s, NEW, status({ currentStepIndex: 2, weight: 20 }), at(3)).next;
    assert.equal(s.phase, 'progressing');
    s = follow(s, NEW, status({ phase: 'Healthy', currentStepIndex: 4, weight: 100 }), at(4)).next;
    assert.equal(s.phase, 'completed');
    assert.equal(s.finishedAt, at(4).toISOString());
    assert.deepEqual(
      s.history.map((h) => h.event),
      ['created', 'weight-set', 'paused', 'weight-set', 'resumed', 'weight-set', 'completed'],
    );
    assert.match(s.history[1]!.detail, /step 1\/4 \(pause\), 20% of traffic/);
  });

  it("an aborted Rollout is rolled back with Argo's message; a Degraded one without abort is aborted", () => {
    const rolledBack = follow(
      start(),
      NEW,
      status({ phase: 'Degraded', aborted: true, message: 'RolloutAborted: metric "web" assessed Failed' }),
      at(1),
    ).next;
    assert.equal(rolledBack.phase, 'rolled-back');
    assert.equal(rolledBack.abortReason, 'RolloutAborted: metric "web" assessed Failed');
    const stuck = follow(
      start(),
      NEW,
      status({
        phase: 'Degraded',
        message: 'ProgressDeadlineExceeded: ReplicaSet "x" has timed out progressing.',
      }),
      at(1),
    ).next;
    assert.equal(stuck.phase, 'aborted');
    assert.match(stuck.abortReason!, /ProgressDeadlineExceeded/);
  });

  it('a target that cannot be read ends the rollout as aborted, once', () => {
    const s = unreachable(start(), 'production/shop: rollouts.argoproj.io "shop" not found (404)', at(1));
    assert.equal(s.phase, 'aborted');
    assert.match(s.abortReason!, /not found \(404\)/);
    assert.deepEqual(unreachable(s, 'again', at(2)), s);
  });

  it('maps commands to what the Argo CLI sends, and refuses what it would not pass on', () => {
    assert.deepEqual(commandAction('promote'), { type: 'promote', full: false });
    assert.deepEqual(commandAction('resume'), { type: 'promote', full: false });
    assert.deepEqual(commandAction('promote-full'), { type: 'promote', full: true });
    assert.deepEqual(commandAction('abort'), { type: 'abort' });
    assert.deepEqual(commandAction('pause'), { type: 'pause' });
    assert.match(commandAction('retry') as string, /run the pipeline again/);
    assert.match(commandAction('explode') as string, /unknown command/);
  });

  it('property: history only grows, in time order, and an ended rollout never changes', () => {
    const statusArb = fc.record({
      phase: fc.constantFrom('Progressing', 'Paused', 'Healthy', 'Degraded') as fc.Arbitrary<
        DelegatedStatus['phase']
      >,
      aborted: fc.boolean(),
      currentStepIndex: fc.integer({ min: 0, max: 4 }),
      weight: fc.constantFrom(0, 20, 50, 100),
      image: fc.constantFrom(NEW, OLD),
    });
    fc.assert(
      fc.property(fc.array(statusArb, { maxLength: 12 }), (seen) => {
        let s = start();
        seen.forEach((o, i) => {
          const before = s;
          s = follow(s, NEW, status(o), at(i + 1)).next;
          assert.ok(s.history.length >= before.history.length);
          assert.deepEqual(s.history.slice(0, before.history.length), before.history);
          if (['completed', 'aborted', 'rolled-back'].includes(before.phase)) assert.deepEqual(s, before);
        });
        const times = s.history.map((h) => h.at);
        assert.deepEqual([...times].sort(), times);
      }),
    );
  });
});
