import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, T0 } from './baselines.fixture.ts';
import { blastRadius, withBlastRadius } from './blast-radius.ts';
import { judgeContract } from './judge.contract.ts';
import type { Judge, WindowObservations } from './judge.ts';
import { sequentialErrorJudge } from './sequential.ts';
import { counters } from './traffic.fixture.ts';

judgeContract('sequential errors with a blast radius budget', () =>
  withBlastRadius(sequentialErrorJudge(), { maxAttributableFailures: 20 }),
);

/** Canary and stable counters at t0, one minute and two minutes. */
function serving(canary: [number, number][], stable: [number, number][]): WindowObservations {
  const rows = (list: [number, number][]) =>
    counters(
      T0,
      list.map(([r, e], i) => [i * 60, r, e] as const),
    );
  return { startedAt: T0, canary: rows(canary), stable: rows(stable) };
}

const calm: Judge = {
  name: 'calm',
  decide: () => ({ decision: 'continue', reason: 'waiting', evidence: { own: 1 } }),
};

describe('blast radius', () => {
  it('counts canary errors beyond what stable’s error ratio predicts, and the share exposed', () => {
    // canary 1 000 requests, 25 errors; stable 9 000 requests at 0.5% → 5 expected, 20 attributable
    const o = serving(
      [
        [0, 0],
        [1000, 25],
      ],
      [
        [0, 0],
        [9000, 45],
      ],
    );
    assert.deepEqual(blastRadius(o, at(60)), {
      canaryRequests: 1000,
      canaryErrors: 25,
      stableRequests: 9000,
      stableErrors: 45,
      expectedCanaryErrors: 5,
      attributableFailures: 20,
      exposedShare: 0.1,
    });
  });

  it('attributes nothing to a canary doing better than stable', () => {
    const o = serving(
      [
        [0, 0],
        [1000, 1],
      ],
      [
        [0, 0],
        [1000, 10],
      ],
    );
    assert.equal(blastRadius(o, at(60)).attributableFailures, 0);
  });

  it('attributes every canary error when stable served nothing', () => {
    const o = serving(
      [
        [0, 0],
        [100, 7],
      ],
      [
        [0, 0],
        [0, 0],
      ],
    );
    const r = blastRadius(o, at(60));
    assert.equal(r.attributableFailures, 7);
    assert.equal(r.exposedShare, 1);
    assert.equal(blastRadius({ startedAt: T0, canary: [], stable: [] }, at(60)).exposedShare, 0);
  });

  it('counts only what happened since startedAt and until now', () => {
    const o = serving(
      [
        [500, 50],
        [1500, 60],
        [2500, 200],
      ],
      [
        [5000, 25],
        [14000, 70],
        [23000, 115],
      ],
    );
    const shifted = { ...o, startedAt: at(0) };
    const r = blastRadius(shifted, at(60));
    assert.equal(r.canaryRequests, 1000);
    assert.equal(r.canaryErrors, 10);
    assert.equal(r.expectedCanaryErrors, 5);
    assert.equal(r.attributableFailures, 5);
  });
});

describe('blast radius budget', () => {
  const o = serving(
    [
      [0, 0],
      [1000, 15],
      [2000, 40],
    ],
    [
      [0, 0],
      [9000, 45],
      [18000, 90],
    ],
  );

  it('records the blast radius with every verdict and keeps the judge’s own evidence', () => {
    const v = withBlastRadius(calm).decide(o, at(60));
    assert.equal(v.decision, 'continue');
    assert.equal((v.evidence as { own: number }).own, 1);
    assert.equal(
      (v.evidence as { blastRadius: { attributableFailures: number } }).blastRadius.attributableFailures,
      10,
    );
  });

  it('fails once the attributable failures reach the budget', () => {
    const judge = withBlastRadius(calm, { maxAttributableFailures: 20 });
    assert.equal(judge.decide(o, at(60)).decision, 'continue');
    const v = judge.decide(o, at(120));
    assert.equal(v.decision, 'fail');
    assert.equal(
      v.reason,
      'blast radius budget spent: 30 failed requests attributable to the canary reached the budget of 20',
    );
  });

  it('fails when the canary takes more than its share of traffic', () => {
    const v = withBlastRadius(calm, { maxExposedShare: 0.05 }).decide(o, at(60));
    assert.equal(v.decision, 'fail');
    assert.match(v.reason, /the canary took 10% of requests, over the budget of 5%/);
  });

  it('refuses budgets that cannot be spent sensibly', () => {
    assert.throws(
      () => withBlastRadius(calm, { maxAttributableFailures: -1 }),
      /maxAttributableFailures must be ≥ 0/,
    );
    assert.throws(() => withBlastRadius(calm, { maxExposedShare: 0 }), /maxExposedShare must be in \(0, 1\]/);
  });
});
