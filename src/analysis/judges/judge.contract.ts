import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DECISIONS } from './judge.ts';
import type { Judge, Verdict, WindowObservations } from './judge.ts';
import { HEALTHY, TrafficSimulator, truncate } from './traffic.fixture.ts';

const T0 = new Date('2026-03-10T10:00:00.000Z');

/** `seconds` of seeded traffic, `weight` of it to a canary with `errorRatio`, recorded as histograms. */
function traffic(
  seed: number,
  seconds: number,
  requestsPerSecond: number,
  errorRatio = HEALTHY.errorRatio,
  weight = 0.1,
) {
  const sim = new TrafficSimulator({
    seed,
    startedAt: T0,
    requestsPerSecond,
    canaryWeight: weight,
    canary: { ...HEALTHY, errorRatio },
    stable: HEALTHY,
  });
  sim.advance(seconds);
  return sim.observations;
}

const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function checkShape(v: Verdict): void {
  assert.ok(DECISIONS.includes(v.decision), `decision ${v.decision}`);
  assert.equal(typeof v.reason, 'string');
  assert.ok(v.reason.length > 0);
  assert.equal(typeof v.evidence, 'object');
  if (v.nextAt) assert.ok(!Number.isNaN(v.nextAt.getTime()));
}

/** The conformance suite every Judge runs from its own test file. */
export function judgeContract(label: string, make: () => Judge): void {
  describe(`Judge contract: ${label}`, () => {
    it('continues, never passes, without any sample', () => {
      const v = make().decide({ startedAt: T0, canary: [], stable: [] }, at(600));
      checkShape(v);
      assert.notEqual(v.decision, 'pass');
    });

    it('never passes a canary that served no request', () => {
      const o = traffic(1, 600, 100, HEALTHY.errorRatio, 0);
      const judge = make();
      for (let s = 0; s <= 600; s += 30) {
        const v = judge.decide(o, at(s));
        checkShape(v);
        assert.notEqual(v.decision, 'pass', `at ${s}s: ${v.reason}`);
      }
    });

    it('gives the same verdict for the same inputs, whatever was asked before', () => {
      const o = traffic(2, 420, 200, 0.02);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 420 }), { minLength: 1, maxLength: 12 }), (times) => {
          const judge = make();
          for (const s of times) {
            assert.deepEqual(
              judge.decide(o, at(s)),
              make().decide(o, at(s)),
              `at ${s}s after ${times.join(',')}`,
            );
          }
        }),
        { numRuns: 15 },
      );
    });

    it('ignores samples taken after now', () => {
      const o = traffic(3, 400, 100);
      for (const s of [0, 59, 60, 61, 150, 299, 300, 400]) {
        assert.deepEqual(make().decide(o, at(s)), make().decide(truncate(o, at(s)), at(s)), `at ${s}s`);
      }
    });

    it('explains every verdict', () => {
      const o = traffic(4, 300, 100);
      const judge = make();
      for (let s = 0; s <= 300; s += 10) checkShape(judge.decide(o, at(s)));
    });

    it('reads frozen observations without changing them', () => {
      const o = traffic(5, 120, 100);
      const frozen: WindowObservations = Object.freeze({
        startedAt: o.startedAt,
        canary: Object.freeze([...o.canary]),
        stable: Object.freeze([...o.stable]),
      });
      checkShape(make().decide(frozen, at(120)));
    });
  });
}
