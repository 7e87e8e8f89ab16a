import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildJudge, type JudgeConfig } from '../judge-metric.ts';
import type { VersionSample, WindowObservations } from './judge.ts';

const T0 = new Date('2026-03-10T10:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

/** 50 requests a second per version; stable 5% slower than 50 ms, the canary `slow(s)`. */
function coldStart(seconds: number, slow: (s: number) => number): WindowObservations {
  const canary: VersionSample[] = [];
  const stable: VersionSample[] = [];
  let canarySlow = 0;
  for (let s = 0; s <= seconds; s++) {
    if (s > 0) canarySlow += Math.round(50 * slow(s));
    const sample = (requests: number, late: number): VersionSample => ({
      at: at(s),
      requests,
      errors: 0,
      latencyBuckets: [
        { le: 0.05, count: requests - late },
        { le: Infinity, count: requests },
      ],
    });
    canary.push(sample(50 * s, canarySlow));
    stable.push(sample(50 * s, Math.round(2.5 * s)));
  }
  return { startedAt: T0, canary, stable };
}

const LATENCY: JudgeConfig = {
  kind: 'sequential-latency',
  thresholdSeconds: 0.05,
  tolerance: 0.5,
  regression: 3,
  alpha: 0.01,
  minCanaryTrials: 50,
};

/** Asks every second up to `seconds`; the first fail, else the last verdict. */
function watch(config: JudgeConfig, o: WindowObservations, seconds: number) {
  const judge = buildJudge(config, { bounded: true });
  let v = judge.decide(o, at(0));
  for (let s = 1; s <= seconds; s++) {
    v = judge.decide({ ...o, ...(s === seconds && { endsAt: at(s) }) }, at(s));
    if (v.decision === 'fail') return { v, s };
  }
  return { v, s: seconds };
}

describe('warmupSeconds: the first seconds of a fresh canary are not judged', () => {
  // a canary whose first 3 s are slow (60% over 50 ms), then as fast as stable
  const o = coldStart(60, (s) => (s <= 3 ? 0.6 : 0.05));

  it('without a warm-up, the cold start alone rolls a healthy canary back', () => {
    const { v, s } = watch(LATENCY, o, 60);
    assert.equal(v.decision, 'fail');
    assert.ok(s <= 3, `failed at ${s} s`);
  });

  it('with warmupSeconds: 5, it waits ("warming up"), then passes the same canary', () => {
    const judge = buildJudge({ ...LATENCY, warmupSeconds: 5 }, { bounded: true });
    const early = judge.decide(o, at(4));
    assert.equal(early.decision, 'continue');
    assert.equal(
      early.reason,
      'warming up: what both versions serve in the first 5 s of the window is not judged (until 2026-03-10T10:00:05.000Z)',
    );
    assert.equal(early.nextAt?.toISOString(), at(5).toISOString());
    const { v } = watch({ ...LATENCY, warmupSeconds: 5 }, o, 60);
    assert.equal(v.decision, 'pass', v.reason);
  });

  it('still catches a canary that stays slow after the warm-up', () => {
    const slow = coldStart(60, () => 0.3);
    const { v, s } = watch({ ...LATENCY, warmupSeconds: 5 }, slow, 60);
    assert.equal(v.decision, 'fail');
    assert.ok(s > 5 && s <= 10, `failed at ${s} s`);
  });

  it('a negative or endless warm-up is refused', () => {
    assert.throws(
      () => buildJudge({ ...LATENCY, warmupSeconds: -1 }),
      /warmupSeconds must be a number of seconds ≥ 0, got -1/,
    );
    assert.throws(() => buildJudge({ ...LATENCY, warmupSeconds: Infinity }), /got Infinity/);
  });
});
