import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  backoffDelay,
  DEFAULT_RESTART_POLICY,
  isCrashLooping,
  isReady,
  isUnhealthy,
  NEW_RESTART_STATE,
  NO_PROBES,
  recordFailure,
  recordProbe,
  recordStart,
  restartPolicyProblems,
} from './policy.ts';
import type { RestartState } from './policy.ts';

const policy = DEFAULT_RESTART_POLICY;
const T0 = Date.parse('2026-01-06T10:00:00.000Z');
const s = (seconds: number) => T0 + seconds * 1000;

/** Starts at `startAt`, fails at `failAt`; returns the decision. */
function cycle(state: RestartState, startAt: number, failAt: number) {
  return recordFailure(recordStart(state, startAt), policy, failAt);
}

describe('restart backoff', () => {
  it('doubles from 1s and stops at the 30s cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 40].map((attempt) => backoffDelay(policy, attempt)),
      [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000],
    );
  });

  it('stays at the cap for huge attempts instead of overflowing', () => {
    assert.equal(backoffDelay(policy, 5000), 30_000);
  });

  it('grows with each quick failure and starts over after a run of resetAfterMs', () => {
    let state = NEW_RESTART_STATE;
    const delays: number[] = [];
    // quick failures, one every 10 s
    for (let i = 0; i < 3; i++) {
      const d = cycle(state, s(i * 10), s(i * 10 + 5));
      delays.push(d.delayMs);
      state = d.state;
    }
    // a stable run of exactly resetAfterMs
    const stable = cycle(state, s(100), s(100) + policy.resetAfterMs);
    assert.deepEqual([...delays, stable.delayMs], [1000, 2000, 4000, 1000]);
    assert.equal(stable.attempt, 1);
    assert.equal(stable.state.restarts, 4);
  });

  it('does not reset after a run one millisecond short of resetAfterMs', () => {
    const first = cycle(NEW_RESTART_STATE, s(0), s(1));
    const second = cycle(first.state, s(2), s(2) + policy.resetAfterMs - 1);
    assert.equal(second.delayMs, 2000);
  });
});

describe('crash-loop detector (3 restarts within 5 minutes)', () => {
  it('fires at the 3rd restart inside the window, once', () => {
    let state = NEW_RESTART_STATE;
    const fired: (number | null)[] = [];
    for (const at of [s(0), s(60), s(120), s(180)]) {
      const d = cycle(state, at - 1000, at);
      fired.push(d.crashLoop?.restarts ?? null);
      state = d.state;
    }
    assert.deepEqual(fired, [null, null, 3, null]);
    assert.equal(state.crashLooping, true);
  });

  it('counts a restart exactly 5 minutes after the first as inside the window', () => {
    const a = cycle(NEW_RESTART_STATE, s(-1), s(0));
    const b = cycle(a.state, s(100), s(150));
    const c = cycle(b.state, s(299), s(300));
    assert.deepEqual(c.crashLoop, { restarts: 3, windowMs: 300_000 });
  });

  it('does not fire when the 3rd restart is one millisecond past the window', () => {
    const a = cycle(NEW_RESTART_STATE, s(-1), s(0));
    const b = cycle(a.state, s(100), s(150));
    const c = cycle(b.state, s(299), s(300) + 1);
    assert.equal(c.crashLoop, null);
    assert.deepEqual(c.state.recent, [s(150), s(300) + 1]);
  });

  it('ages out of the loop when no restart happens for 5 minutes, and fires again on a new loop', () => {
    let state = NEW_RESTART_STATE;
    for (const at of [s(0), s(10), s(20)]) state = cycle(state, at - 1, at).state;
    assert.equal(isCrashLooping(state, policy, s(20)), true);
    assert.equal(isCrashLooping(state, policy, s(300)), true);
    assert.equal(isCrashLooping(state, policy, s(300) + 1), false);
    const again = [s(1000), s(1010), s(1020)].map((at) => {
      const d = cycle(state, at - 1, at);
      state = d.state;
      return d.crashLoop !== null;
    });
    assert.deepEqual(again, [false, false, true]);
  });
});

describe('probe counting', () => {
  const run = (results: boolean[]) => results.reduce(recordProbe, NO_PROBES);

  it('is unhealthy after 3 consecutive liveness failures, not after 2', () => {
    assert.equal(isUnhealthy(run([false, false]), 3), false);
    assert.equal(isUnhealthy(run([false, false, false]), 3), true);
  });

  it('forgets failures after one success', () => {
    assert.equal(isUnhealthy(run([false, false, true, false, false]), 3), false);
  });

  it('is ready after successThreshold successes in a row', () => {
    assert.equal(isReady(run([true, false, true]), 2), false);
    assert.equal(isReady(run([true, false, true, true]), 2), true);
  });
});

describe('restart policy validation', () => {
  it('accepts the default', () => {
    assert.deepEqual(restartPolicyProblems(policy), []);
  });

  it('names each bad field and its value', () => {
    assert.deepEqual(
      restartPolicyProblems({ ...policy, multiplier: 0.5, crashLoopRestarts: 0, maxDelayMs: -1 }),
      [
        'restart.multiplier must be a number >= 1, got 0.5',
        'restart.maxDelayMs must be a number >= 0, got -1',
        'restart.crashLoopRestarts must be an integer >= 1, got 0',
      ],
    );
  });
});
