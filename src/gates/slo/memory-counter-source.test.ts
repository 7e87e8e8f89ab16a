import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MemoryCounterSource } from './memory-counter-source.ts';
import type { CounterSample } from './memory-counter-source.ts';

const T0 = Date.parse('2025-06-02T12:00:00Z');
const MINUTE = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MINUTE);
const sample = (minutes: number, total: number, errors: number): CounterSample => ({
  at: at(minutes),
  total,
  errors,
});

describe('MemoryCounterSource', () => {
  it('adds up the increase between consecutive samples', async () => {
    const source = new MemoryCounterSource([sample(0, 100, 1), sample(1, 200, 3), sample(2, 350, 4)]);
    assert.deepEqual(await source.increase(at(0), at(2)), { total: 250, errors: 3, coveredMs: 2 * MINUTE });
  });

  it('reads a drop of the counters as a restart from zero, like increase()', async () => {
    const source = new MemoryCounterSource([
      sample(0, 100, 1),
      sample(1, 200, 2),
      sample(2, 50, 1),
      sample(3, 150, 2),
    ]);
    assert.deepEqual(await source.increase(at(0), at(3)), { total: 250, errors: 3, coveredMs: 3 * MINUTE });
  });

  it('treats a drop of the error counter alone as a restart of both', async () => {
    const source = new MemoryCounterSource([sample(0, 100, 50), sample(1, 150, 2)]);
    assert.deepEqual(await source.increase(at(0), at(1)), { total: 150, errors: 2, coveredMs: MINUTE });
  });

  it('gives an interval edge between samples its share of the increase', async () => {
    const source = new MemoryCounterSource([sample(0, 0, 0), sample(2, 200, 20)]);
    assert.deepEqual(await source.increase(at(1), at(5)), { total: 100, errors: 10, coveredMs: MINUTE });
  });

  it('leaves the time between samples further apart than maxGapMs uncovered', async () => {
    const samples = [sample(0, 0, 0), sample(1, 10, 0), sample(21, 500, 5), sample(22, 510, 5)];
    const source = new MemoryCounterSource(samples);
    assert.deepEqual(await source.increase(at(0), at(22)), { total: 20, errors: 0, coveredMs: 2 * MINUTE });
    const patient = new MemoryCounterSource(samples, { maxGapMs: 30 * MINUTE });
    assert.deepEqual(await patient.increase(at(0), at(22)), {
      total: 510,
      errors: 5,
      coveredMs: 22 * MINUTE,
    });
  });

  it('has no data for an interval no two samples span', async () => {
    const source = new MemoryCounterSource([sample(0, 0, 0), sample(1, 10, 0)]);
    assert.equal(await source.increase(at(1), at(5)), undefined);
    assert.equal(await source.increase(at(-5), at(0)), undefined);
    assert.equal(await new MemoryCounterSource([]).increase(at(0), at(5)), undefined);
    assert.equal(await new MemoryCounterSource([sample(0, 1, 0)]).increase(at(-1), at(5)), undefined);
  });

  it('sorts samples by time', async () => {
    const source = new MemoryCounterSource([sample(2, 30, 3), sample(0, 10, 1), sample(1, 20, 2)]);
    assert.deepEqual(await source.increase(at(0), at(2)), { total: 20, errors: 2, coveredMs: 2 * MINUTE });
  });

  it('rejects bad samples and options, naming the value', () => {
    assert.throws(() => new MemoryCounterSource([sample(0, 1, 2)]), /total 1 and errors 2/);
    assert.throws(() => new MemoryCounterSource([sample(0, -1, 0)]), /total -1 and errors 0/);
    assert.throws(() => new MemoryCounterSource([sample(0, Number.NaN, 0)]), /total NaN/);
    assert.throws(
      () => new MemoryCounterSource([{ at: new Date('nope'), total: 0, errors: 0 }]),
      /counter sample 0 has an invalid time/,
    );
    assert.throws(
      () => new MemoryCounterSource([sample(0, 1, 0), sample(0, 2, 0)]),
      /duplicate counter sample at 2025-06-02T12:00:00.000Z/,
    );
    assert.throws(() => new MemoryCounterSource([], { maxGapMs: 0 }), /invalid maxGapMs 0/);
  });

  it('rejects an empty or reversed interval', async () => {
    const source = new MemoryCounterSource([sample(0, 0, 0), sample(1, 10, 0)]);
    await assert.rejects(source.increase(at(1), at(1)), /expected from < to/);
    await assert.rejects(source.increase(at(1), at(0)), /expected from < to/);
  });

  it('adds up over adjacent intervals, resets included', async () => {
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
          const source = new MemoryCounterSource(samples);
          const end = steps.length;
          const mid = Math.min(Math.max(cut * end, 0.001), end - 0.001);
          const whole = await source.increase(at(0), at(end));
          const left = await source.increase(at(0), at(mid));
          const right = await source.increase(at(mid), at(end));
          assert.ok(whole && left && right);
          assert.ok(Math.abs(left.total + right.total - whole.total) <= 1e-6 * Math.max(1, whole.total));
          assert.ok(Math.abs(left.errors + right.errors - whole.errors) <= 1e-6 * Math.max(1, whole.errors));
          assert.equal(whole.coveredMs, end * MINUTE);
        },
      ),
    );
  });
});
