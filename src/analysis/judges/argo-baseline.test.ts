import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { argoBaseline } from './argo-baseline.ts';
import { at, canaryServing, repeat } from './baselines.fixture.ts';
import type { Minute } from './baselines.fixture.ts';
import { judgeContract } from './judge.contract.ts';

judgeContract('argo baseline', () => argoBaseline());

const good: Minute = { requests: 1000, errors: 5 };
const bad: Minute = { requests: 1000, errors: 100 };
const none: Minute = { requests: 0, errors: 0 };

/** When the judge first decides, asked every 10 s for 15 minutes; windows of one minute. */
function firstDecision(list: readonly Minute[], options: Parameters<typeof argoBaseline>[0] = {}) {
  const judge = argoBaseline({ windowMs: 60_000, ...options });
  const o = canaryServing(list);
  for (let s = 0; s <= 900; s += 10) {
    const v = judge.decide(o, at(s));
    if (v.decision !== 'continue') return [v.decision, s, v.reason] as const;
  }
  return ['continue', 900, ''] as const;
}

describe('argo baseline', () => {
  it('fails at the first failed measurement with failureLimit 0 (the default)', () => {
    const [decision, seconds, reason] = firstDecision([good, bad, ...repeat(10, good)]);
    assert.deepEqual([decision, seconds], ['fail', 120]);
    assert.match(reason, /1 failed measurements exceed failureLimit 0; last: error-ratio = 0.1, want < 0.02/);
  });

  it('fails only when failures exceed failureLimit', () => {
    const list = [bad, good, bad, bad, good, good, good];
    assert.deepEqual(firstDecision(list, { failureLimit: 2, count: 7 }).slice(0, 2), ['fail', 240]);
    assert.deepEqual(firstDecision(list, { failureLimit: 3, count: 7 }).slice(0, 2), ['pass', 420]);
  });

  it('succeeds when count measurements are done', () => {
    assert.deepEqual(firstDecision(repeat(10, good)).slice(0, 2), ['pass', 300]);
  });

  it('fails when errors in a row exceed consecutiveErrorLimit, and a value resets the count', () => {
    assert.deepEqual(firstDecision(repeat(10, none), { count: 10 }).slice(0, 2), ['fail', 300]);
    const gaps = [none, none, none, none, good, none, none, none, none, good];
    assert.deepEqual(firstDecision(gaps, { count: 10 }).slice(0, 2), ['pass', 600]);
    assert.deepEqual(firstDecision(repeat(10, none), { consecutiveErrorLimit: 1 }).slice(0, 2), [
      'fail',
      120,
    ]);
  });

  it('refuses a negative failureLimit', () => {
    assert.throws(() => argoBaseline({ failureLimit: -1 }), /failureLimit must be ≥ 0, got -1/);
  });
});
