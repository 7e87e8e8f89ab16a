import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  isReady,
  isUnhealthy,
  NEW_RESTART_STATE,
  NO_PROBES,
  recordFailure,
  recordProbe,
  recordStart,
} from './policy.ts';
import type { RestartPolicy } from './policy.ts';

const T0 = Date.parse('2026-01-06T10:00:00.000Z');

/** Durations in steps of 10 s, so runs and windows often meet exactly at their boundaries. */
const tens = (min: number, max: number) => fc.integer({ min, max }).map((n) => n * 10_000);

const policyArb: fc.Arbitrary<RestartPolicy> = fc
  .record({
    initialDelayMs: fc.integer({ min: 0, max: 10_000 }),
    multiplier: fc.double({ min: 1, max: 4, noNaN: true }),
    extraCapMs: fc.integer({ min: 0, max: 600_000 }),
    resetAfterMs: tens(1, 60),
    crashLoopRestarts: fc.integer({ min: 1, max: 6 }),
    crashLoopWindowMs: tens(0, 60),
  })
  .map(({ extraCapMs, ...p }) => ({ ...p, maxDelayMs: p.initialDelayMs + extraCapMs }));

/** One life of a process: how long it ran before it failed, and how long the backoff pause lasted. */
const lifeArb = fc.record({ ranMs: tens(0, 90), gapMs: tens(0, 6) });

/** Replays lives from T0; returns each failure's time, decision, and whether its run was stable. */
function replay(policy: RestartPolicy, lives: { ranMs: number; gapMs: number }[]) {
  let state = NEW_RESTART_STATE;
  let now = T0;
  return lives.map(({ ranMs, gapMs }) => {
    now += gapMs;
    state = recordStart(state, now);
    now += ranMs;
    const decision = recordFailure(state, policy, now);
    state = decision.state;
    return { at: now, decision, stable: ranMs >= policy.resetAfterMs };
  });
}

describe('restart policy properties', () => {
  it('backoff never exceeds the cap and never decreases until a stable run resets it', () => {
    fc.assert(
      fc.property(policyArb, fc.array(lifeArb, { minLength: 1, maxLength: 30 }), (policy, lives) => {
        const steps = replay(policy, lives);
        steps.forEach(({ decision, stable }, i) => {
          assert.ok(decision.delayMs <= policy.maxDelayMs);
          assert.ok(decision.delayMs >= 0);
          const previous = steps[i - 1];
          if (i === 0 || stable) {
            assert.equal(decision.delayMs, Math.min(policy.initialDelayMs, policy.maxDelayMs));
            assert.equal(decision.attempt, 1);
          } else if (previous) {
            assert.ok(decision.delayMs >= previous.decision.delayMs);
            assert.equal(decision.attempt, previous.decision.attempt + 1);
          }
        });
      }),
    );
  });

  it('the detector is in a crash loop exactly when the last N restarts fit in one window', () => {
    fc.assert(
      fc.property(policyArb, fc.array(lifeArb, { minLength: 1, maxLength: 30 }), (policy, lives) => {
        const steps = replay(policy, lives);
        const n = policy.crashLoopRestarts;
        steps.forEach(({ at, decision }, i) => {
          const first = steps[i - n + 1];
          const expected = first !== undefined && at - first.at <= policy.crashLoopWindowMs;
          assert.equal(decision.state.crashLooping, expected, `restart ${i + 1}`);
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('reports a crash loop once, at the restart that enters it', () => {
    fc.assert(
      fc.property(policyArb, fc.array(lifeArb, { minLength: 1, maxLength: 30 }), (policy, lives) => {
        const steps = replay(policy, lives);
        steps.forEach(({ decision }, i) => {
          const wasLooping = steps[i - 1]?.decision.state.crashLooping ?? false;
          const entered = decision.state.crashLooping && !wasLooping;
          assert.equal(decision.crashLoop !== null, entered);
          if (decision.crashLoop) {
            assert.equal(decision.crashLoop.restarts, policy.crashLoopRestarts);
            assert.equal(decision.crashLoop.windowMs, policy.crashLoopWindowMs);
          }
        });
      }),
    );
  });

  it('the restart count only grows, by one per failure', () => {
    fc.assert(
      fc.property(policyArb, fc.array(lifeArb, { maxLength: 30 }), (policy, lives) => {
        replay(policy, lives).forEach(({ decision }, i) => assert.equal(decision.state.restarts, i + 1));
      }),
    );
  });

  it('liveness is unhealthy exactly when the last `threshold` probes all failed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        (threshold, results) => {
          let counter = NO_PROBES;
          results.forEach((ok, i) => {
            counter = recordProbe(counter, ok);
            const last = results.slice(0, i + 1).slice(-threshold);
            assert.equal(isUnhealthy(counter, threshold), last.length === threshold && last.every((r) => !r));
            assert.equal(isReady(counter, threshold), last.length === threshold && last.every((r) => r));
          });
        },
      ),
    );
  });
});
