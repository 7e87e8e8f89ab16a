import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, canaryServing, repeat } from './baselines.fixture.ts';
import type { Minute } from './baselines.fixture.ts';
import { flaggerBaseline } from './flagger-baseline.ts';
import { judgeContract } from './judge.contract.ts';

judgeContract('flagger baseline', () => flaggerBaseline());

const good: Minute = { requests: 1000, errors: 2 };
const bad: Minute = { requests: 1000, errors: 50 };
const slow: Minute = { requests: 1000, errors: 0, slow: 100 };

/** When the judge first decides, asked every 10 s for 15 minutes. */
function firstDecision(list: readonly Minute[], judge = flaggerBaseline()) {
  const o = canaryServing(list);
  for (let s = 0; s <= 900; s += 10) {
    const v = judge.decide(o, at(s));
    if (v.decision !== 'continue') return { decision: v.decision, seconds: s, reason: v.reason };
  }
  return { decision: 'continue', seconds: 900, reason: '' };
}

describe('flagger baseline', () => {
  it('rolls back a bad canary no sooner than interval × threshold (5 minutes for the seed)', () => {
    const r = firstDecision(repeat(15, bad));
    assert.deepEqual([r.decision, r.seconds], ['fail', 300]);
    assert.match(r.reason, /5 failed checks reached the threshold 5; last: error-ratio = 0.05, want ≤ 0.005/);
  });

  it('rolls back on p95 over 1.2 s like on errors', () => {
    assert.deepEqual(Object.values(firstDecision(repeat(15, slow))).slice(0, 2), ['fail', 300]);
  });

  it('promotes after `iterations` passing checks', () => {
    assert.deepEqual(Object.values(firstDecision(repeat(15, good))).slice(0, 2), ['pass', 300]);
  });

  it('counts failed checks over the whole analysis, not in a row', () => {
    // bad, good, bad, good, bad, bad: the 2nd good check is the 4th-iteration short of promotion
    const list = [bad, good, bad, good, bad, good, bad, bad, good];
    const r = firstDecision(list, flaggerBaseline({ iterations: 10 }));
    assert.deepEqual([r.decision, r.seconds], ['fail', 480]);
  });

  it('counts a check without values (no canary requests) as failed', () => {
    const r = firstDecision(repeat(15, { requests: 0, errors: 0 }));
    assert.deepEqual([r.decision, r.seconds], ['fail', 300]);
    assert.match(r.reason, /no requests in the window/);
  });

  it('follows its interval and threshold: 30 s × 2 fails at one minute', () => {
    const judge = flaggerBaseline({ intervalMs: 30_000, threshold: 2 });
    assert.deepEqual(Object.values(firstDecision(repeat(15, bad), judge)).slice(0, 2), ['fail', 60]);
  });

  it('says when it will next look', () => {
    const v = flaggerBaseline().decide(canaryServing(repeat(15, good)), at(130));
    assert.equal(v.decision, 'continue');
    assert.equal(v.nextAt?.toISOString(), at(180).toISOString());
  });

  it('refuses a threshold below 1', () => {
    assert.throws(() => flaggerBaseline({ threshold: 0 }), /threshold must be ≥ 1, got 0/);
  });
});
