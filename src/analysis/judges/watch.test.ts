import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { VersionSample, WindowObservations } from './judge.ts';
import { sequentialErrorJudge } from './sequential.ts';
import { HEALTHY, Random, TrafficSimulator } from './traffic.fixture.ts';
import { keepWatching, LEANING } from './watch.ts';

const T0 = new Date('2026-03-02T10:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

/** `seconds` of `n` requests a second per version; stable fails 1%, the canary `canaryRatio(s)`. */
function traffic(seconds: number, canaryRatio: (s: number) => number, n = 100): WindowObservations {
  const canary: VersionSample[] = [];
  const stable: VersionSample[] = [];
  let canaryErrors = 0;
  for (let s = 0; s <= seconds; s++) {
    if (s > 0) canaryErrors += Math.round(n * canaryRatio(s));
    canary.push({ at: at(s), requests: n * s, errors: canaryErrors });
    stable.push({ at: at(s), requests: n * s, errors: (n / 100) * s });
  }
  return { startedAt: T0, canary, stable };
}

const errors = (alpha = 0.01) =>
  keepWatching('errors', alpha, (a) =>
    sequentialErrorJudge({ alpha: a, beta: 0.01, tolerance: 0.2, regression: 2 }),
  );

describe('keepWatching: a pass holds only until the window ends', () => {
  it('a plain sequential judge passes early and never sees a regression that starts later', () => {
    const o = traffic(120, (s) => (s <= 60 ? 0.01 : 0.2));
    const plain = sequentialErrorJudge({ alpha: 0.01, beta: 0.01, tolerance: 0.2, regression: 2 });
    assert.equal(plain.decide(o, at(60)).decision, 'pass');
    assert.equal(plain.decide(o, at(120)).decision, 'pass');
  });

  it('the watching judge passes early, then fails a regression that starts after the pass', () => {
    const o = traffic(120, (s) => (s <= 60 ? 0.01 : 0.2));
    const judge = errors();
    const early = judge.decide(o, at(60));
    assert.equal(early.decision, 'pass', early.reason);
    let failedAt: number | undefined;
    for (let s = 61; s <= 120 && failedAt === undefined; s++) {
      if (judge.decide(o, at(s)).decision === 'fail') failedAt = s;
    }
    assert.ok(failedAt !== undefined && failedAt <= 70, `failed at ${failedAt}`);
    const v = judge.decide(o, at(120));
    assert.match(v.reason, /after passing at 2026-03-02T10:00:\d\d\.000Z/);
  });

  it('a regression after more than 64 passes is still caught (no cap on restarts within a window)', () => {
    const o = traffic(660, (s) => (s <= 600 ? 0.01 : 0.2), 2000);
    const judge = errors();
    const before = judge.decide(o, at(600));
    assert.equal(before.decision, 'pass');
    const tests = (before.evidence as { test: number }).test;
    assert.ok(tests > 64, `only ${tests} tests`);
    assert.equal(judge.decide(o, at(610)).decision, 'fail');
  });

  it('a healthy canary keeps passing to the end of the window, with what it is watching now', () => {
    const o = traffic(300, () => 0.01);
    const v = errors().decide(o, at(300));
    assert.equal(v.decision, 'pass');
    assert.match(v.reason, /watching since/);
  });

  it('a regression after the pass that has not yet crossed the fail boundary withholds the pass (fake clock)', () => {
    const o = traffic(400, (s) => (s <= 60 ? 0.01 : 0.02));
    const judge = errors();
    assert.equal(judge.decide(o, at(60)).decision, 'pass');
    const seen: string[] = [];
    for (let s = 61; s <= 400; s++) {
      const v = judge.decide(o, at(s));
      if (seen.at(-1) !== v.decision) seen.push(v.decision);
      if (v.decision === 'fail') break;
    }
    assert.ok(seen.includes('continue'), `decisions after the pass: ${seen.join(' → ')}`);
    const leaning = [...Array(340).keys()]
      .map((k) => judge.decide(o, at(61 + k)))
      .find((v) => v.decision === 'continue');
    assert.match(leaning?.reason ?? '', /leans toward a regression \(log LR \d+\.\d\d > 1\)/);
    assert.deepEqual(
      seen.slice(-2),
      ['continue', 'fail'],
      'a pass, then "not yet" while the evidence builds, then a rollback',
    );
  });

  it('property: a watching pass never stands on evidence that leans toward a regression', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 120 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        (seed, onset, worse) => {
          const random = new Random(seed);
          const canary: VersionSample[] = [{ at: T0, requests: 0, errors: 0 }];
          const stable: VersionSample[] = [{ at: T0, requests: 0, errors: 0 }];
          const o: WindowObservations = { startedAt: T0, canary, stable };
          const judge = errors(0.01);
          for (let s = 1; s <= 180; s++) {
            const ratio = s > onset ? 0.01 * worse : 0.01;
            const grow = (list: VersionSample[], n: number, p: number) => {
              const last = list.at(-1) as VersionSample;
              let e = 0;
              for (let r = 0; r < n; r++) if (random.next() < p) e++;
              list.push({ at: at(s), requests: last.requests + n, errors: last.errors + e });
            };
            grow(canary, random.poisson(50), ratio);
            grow(stable, random.poisson(150), 0.01);
            const v = judge.decide(o, at(s));
            const watching = (v.evidence as { watching?: { logLikelihoodRatio?: number } }).watching;
            if (v.decision === 'pass' && watching) {
              assert.ok((watching.logLikelihoodRatio ?? 0) <= LEANING, v.reason);
            }
            if (v.decision === 'fail') return;
          }
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });

  it('not enough evidence stays "continue", never a pass', () => {
    const o = traffic(5, () => 0.01);
    assert.equal(errors().decide(o, at(1)).decision, 'continue');
  });

  it('the same inputs give the same verdict, asked once at the end or every second', () => {
    const o = traffic(120, (s) => (s <= 40 ? 0.01 : 0.05));
    const once = errors().decide(o, at(120));
    const judge = errors();
    let last = judge.decide(o, at(0));
    for (let s = 1; s <= 120; s++) last = judge.decide(o, at(s));
    assert.deepEqual(last, once);
  });

  it('rolls back at most alpha of healthy canaries over a 300 s window asked every second (Monte Carlo)', () => {
    const alpha = 0.05;
    const runs = 200;
    let rolledBack = 0;
    for (let seed = 1; seed <= runs; seed++) {
      const sim = new TrafficSimulator({
        seed,
        startedAt: T0,
        requestsPerSecond: 100,
        canaryWeight: 0.5,
        canary: { ...HEALTHY, errorRatio: 0.02 },
        stable: { ...HEALTHY, errorRatio: 0.02 },
      });
      const judge = errors(alpha);
      for (let s = 1; s <= 300; s++) {
        sim.advance();
        if (judge.decide(sim.observations, sim.now).decision === 'fail') {
          rolledBack++;
          break;
        }
      }
    }
    assert.ok(rolledBack / runs <= alpha, `${rolledBack} of ${runs} healthy canaries rolled back`);
  });

  it('rejects an alpha outside (0, 1)', () => {
    assert.throws(() => errors(1), /alpha must be in \(0, 1\), got 1/);
  });
});
