import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allOf } from './all-of.ts';
import { at, T0 } from './baselines.fixture.ts';
import { judgeContract } from './judge.contract.ts';
import type { Decision, Judge } from './judge.ts';
import { sequentialErrorJudge, sequentialLatencyJudge } from './sequential.ts';

judgeContract('all of the sequential judges', () =>
  allOf('runway', [
    sequentialErrorJudge({ alpha: 0.005 }),
    sequentialLatencyJudge({ thresholdSeconds: 0.5, alpha: 0.005 }),
  ]),
);

const fixed = (name: string, decision: Decision, nextAt?: Date): Judge => ({
  name,
  decide: () => ({ decision, reason: `${name} says ${decision}`, ...(nextAt && { nextAt }), evidence: {} }),
});

const none = { startedAt: T0, canary: [], stable: [] };

describe('allOf', () => {
  it('fails when any part fails, naming it', () => {
    const v = allOf('both', [fixed('a', 'pass'), fixed('b', 'fail'), fixed('c', 'continue')]).decide(
      none,
      at(0),
    );
    assert.equal(v.decision, 'fail');
    assert.equal(v.reason, 'b: b says fail');
  });

  it('passes only when every part passes', () => {
    assert.equal(allOf('x', [fixed('a', 'pass'), fixed('b', 'pass')]).decide(none, at(0)).decision, 'pass');
    assert.equal(
      allOf('x', [fixed('a', 'pass'), fixed('b', 'continue')]).decide(none, at(0)).decision,
      'continue',
    );
  });

  it('looks again at the earliest time a waiting part names, and on every sample if one names none', () => {
    const later = allOf('x', [
      fixed('a', 'continue', at(120)),
      fixed('b', 'continue', at(60)),
      fixed('c', 'pass'),
    ]);
    assert.equal(later.decide(none, at(0)).nextAt?.toISOString(), at(60).toISOString());
    const any = allOf('x', [fixed('a', 'continue', at(120)), fixed('b', 'continue')]);
    assert.equal(any.decide(none, at(0)).nextAt, undefined);
  });

  it('refuses no parts and parts with the same name', () => {
    assert.throws(() => allOf('x', []), /at least one judge/);
    assert.throws(() => allOf('x', [fixed('a', 'pass'), fixed('a', 'fail')]), /"a" is repeated/);
  });
});
