import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { counterSourceContract } from './counter-source.contract.ts';
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

counterSourceContract('MemoryCounterSource', (samples, options) => new MemoryCounterSource(samples, options));

describe('MemoryCounterSource', () => {
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
});
