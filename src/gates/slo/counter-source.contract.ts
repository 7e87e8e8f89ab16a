import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CounterSource } from './counter-source.ts';
import type { CounterSample } from './memory-counter-source.ts';

/** Builds the source under test over these samples; `maxGapMs` as in MemoryCounterSource (default 5 minutes). */
export type CounterSourceFactory = (
  samples: readonly CounterSample[],
  options?: { maxGapMs?: number },
) => CounterSource | Promise<CounterSource>;

const T0 = Date.parse('2025-06-02T12:00:00Z');
const MINUTE = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MINUTE);
const sample = (minutes: number, total: number, errors: number, reset?: boolean): CounterSample => ({
  at: at(minutes),
  total,
  errors,
  ...(reset ? { reset } : {}),
});

/**
 * The conformance suite of a CounterSource that reads cumulative counter samples: every case is
 * computed by hand, so two sources over the same samples must answer the same.
 */
export function counterSourceContract(label: string, make: CounterSourceFactory): void {
  describe(`CounterSource contract: ${label}`, () => {
    it('adds up the increase between consecutive samples', async () => {
      const source = await make([sample(0, 100, 1), sample(1, 200, 3), sample(2, 350, 4)]);
      assert.deepEqual(await source.increase(at(0), at(2)), { total: 250, errors: 3, coveredMs: 2 * MINUTE });
    });

    it('reads a drop of the counters as a restart from zero, like increase()', async () => {
      // 100 → 200: +100; restart, 50 since; 50 → 150: +100
      const source = await make([sample(0, 100, 1), sample(1, 200, 2), sample(2, 50, 1), sample(3, 150, 2)]);
      assert.deepEqual(await source.increase(at(0), at(3)), { total: 250, errors: 3, coveredMs: 3 * MINUTE });
    });

    it('treats a drop of the error counter alone as a restart of both', async () => {
      const source = await make([sample(0, 100, 50), sample(1, 150, 2)]);
      assert.deepEqual(await source.increase(at(0), at(1)), { total: 150, errors: 2, coveredMs: MINUTE });
    });

    it('counts from zero after a sample marked as a restart, though the counters did not drop', async () => {
      // the agent restarted and served more since than before: 150 and 2 are all new
      const source = await make([sample(0, 100, 1), sample(1, 150, 2, true), sample(2, 160, 2)]);
      assert.deepEqual(await source.increase(at(0), at(2)), { total: 160, errors: 2, coveredMs: 2 * MINUTE });
    });

    it('gives an interval edge between samples its share of the increase', async () => {
      const source = await make([sample(0, 0, 0), sample(2, 200, 20)]);
      assert.deepEqual(await source.increase(at(1), at(5)), { total: 100, errors: 10, coveredMs: MINUTE });
      assert.deepEqual(await source.increase(at(0.5), at(1.5)), {
        total: 100,
        errors: 10,
        coveredMs: MINUTE,
      });
    });

    it('leaves the time between samples further apart than maxGapMs uncovered', async () => {
      const samples = [sample(0, 0, 0), sample(1, 10, 0), sample(21, 500, 5), sample(22, 510, 5)];
      const source = await make(samples);
      assert.deepEqual(await source.increase(at(0), at(22)), { total: 20, errors: 0, coveredMs: 2 * MINUTE });
      const patient = await make(samples, { maxGapMs: 30 * MINUTE });
      assert.deepEqual(await patient.increase(at(0), at(22)), {
        total: 510,
        errors: 5,
        coveredMs: 22 * MINUTE,
      });
    });

    it('covers a gap of exactly maxGapMs', async () => {
      const source = await make([sample(0, 0, 0), sample(5, 50, 1)]);
      assert.deepEqual(await source.increase(at(0), at(5)), { total: 50, errors: 1, coveredMs: 5 * MINUTE });
    });

    it('has no data for an interval no two samples span', async () => {
      const source = await make([sample(0, 0, 0), sample(1, 10, 0)]);
      assert.equal(await source.increase(at(1), at(5)), undefined);
      assert.equal(await source.increase(at(-5), at(0)), undefined);
      assert.equal(await (await make([])).increase(at(0), at(5)), undefined);
      assert.equal(await (await make([sample(0, 1, 0)])).increase(at(-1), at(5)), undefined);
    });

    it('rejects an empty or reversed interval', async () => {
      const source = await make([sample(0, 0, 0), sample(1, 10, 0)]);
      await assert.rejects(source.increase(at(1), at(1)), /expected from < to/);
      await assert.rejects(source.increase(at(1), at(0)), /expected from < to/);
    });

    it('adds up over adjacent intervals, restarts included', async () => {
      const step = fc.record({
        total: fc.integer({ min: 0, max: 1000 }),
        errors: fc.integer({ min: 0, max: 1000 }),
        reset: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { minLength: 1, maxLength: 40 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          async (steps, cut) => {
            let total = 0;
            let errors = 0;
            const samples = [sample(0, 0, 0)];
            steps.forEach((s, i) => {
              if (s.reset) [total, errors] = [0, 0];
              total += Math.max(s.total, s.errors);
              errors += s.errors;
              samples.push(sample(i + 1, total, errors));
            });
            const source = await make(samples);
            const end = steps.length;
            const mid = Math.min(Math.max(cut * end, 0.001), end - 0.001);
            const whole = await source.increase(at(0), at(end));
            const left = await source.increase(at(0), at(mid));
            const right = await source.increase(at(mid), at(end));
            assert.ok(whole && left && right);
            assert.ok(Math.abs(left.total + right.total - whole.total) <= 1e-6 * Math.max(1, whole.total));
            assert.ok(
              Math.abs(left.errors + right.errors - whole.errors) <= 1e-6 * Math.max(1, whole.errors),
            );
            assert.equal(whole.coveredMs, end * MINUTE);
          },
        ),
        { numRuns: 50 },
      );
    });
  });
}
