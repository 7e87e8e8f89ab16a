import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MemoryCounterSource } from './memory-counter-source.ts';
import type { CounterSample } from './memory-counter-source.ts';
import { thinSamples } from './thin-samples.ts';

const T0 = Date.parse('2025-06-02T12:00:00Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const sample = (seconds: number, total: number, errors = 0, reset = false): CounterSample => ({
  at: new Date(T0 + seconds * SECOND),
  total,
  errors,
  ...(reset ? { reset } : {}),
});
const times = (samples: CounterSample[]) => samples.map((s) => (s.at.getTime() - T0) / SECOND);

describe('thinSamples', () => {
  it('keeps about one sample per step of evenly spaced samples, and the last', () => {
    // a sample every 10 s for 20 minutes, thinned to 5 minutes
    const samples = Array.from({ length: 121 }, (_, i) => sample(i * 10, i * 100));
    assert.deepEqual(times(thinSamples(samples, 5 * MINUTE)), [0, 300, 600, 900, 1200]);
  });

  it('keeps both samples around a restart, whether the counters dropped or it was marked', () => {
    const samples = [
      sample(0, 0),
      sample(60, 100),
      sample(120, 200),
      sample(180, 10), // dropped
      sample(240, 110),
      sample(300, 120, 0, true), // marked
      sample(360, 130),
      sample(420, 140),
    ];
    assert.deepEqual(times(thinSamples(samples, 10 * MINUTE)), [0, 120, 180, 240, 300, 420]);
  });

  it('keeps a gap longer than the step a gap', () => {
    const samples = [sample(0, 0), sample(60, 10), sample(120, 20), sample(1020, 30), sample(1080, 40)];
    assert.deepEqual(times(thinSamples(samples, 5 * MINUTE)), [0, 120, 1020, 1080]);
  });

  it('leaves two samples or fewer as they are, and refuses a step that is not positive', () => {
    assert.deepEqual(thinSamples([], MINUTE), []);
    const two = [sample(0, 0), sample(9999, 5)];
    assert.deepEqual(thinSamples(two, MINUTE), two);
    assert.throws(() => thinSamples(two, 0), /invalid step 0/);
  });

  it('changes no increase and no coverage between samples it keeps', async () => {
    const step = fc.record({
      seconds: fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 30 }), weight: 9 },
        fc.integer({ min: 200, max: 900 }),
      ),
      total: fc.integer({ min: 0, max: 500 }),
      errors: fc.integer({ min: 0, max: 500 }),
      restart: fc.constantFrom('none', 'none', 'none', 'drop', 'marked'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 30, max: 300 }),
        async (steps, stepSeconds) => {
          let at = 0;
          let total = 50;
          let errors = 5;
          const samples = [sample(0, total, errors)];
          for (const s of steps) {
            at += s.seconds;
            if (s.restart !== 'none') [total, errors] = [0, 0];
            total += Math.max(s.total, s.errors);
            errors += s.errors;
            samples.push(sample(at, total, errors, s.restart === 'marked'));
          }
          const stepMs = stepSeconds * SECOND;
          const kept = thinSamples(samples, stepMs);
          const full = new MemoryCounterSource(samples, { maxGapMs: stepMs });
          const thin = new MemoryCounterSource(kept, { maxGapMs: stepMs });
          for (let i = 1; i < kept.length; i++) {
            const from = (kept[0] as CounterSample).at;
            const to = (kept[i] as CounterSample).at;
            const [a, b] = [await full.increase(from, to), await thin.increase(from, to)];
            assert.equal(b?.coveredMs, a?.coveredMs);
            assert.ok(Math.abs((a?.total ?? 0) - (b?.total ?? 0)) <= 1e-6 * Math.max(1, a?.total ?? 0));
            assert.ok(Math.abs((a?.errors ?? 0) - (b?.errors ?? 0)) <= 1e-6 * Math.max(1, a?.errors ?? 0));
          }
          for (let i = 1; i < kept.length; i++) {
            const gap = (kept[i] as CounterSample).at.getTime() - (kept[i - 1] as CounterSample).at.getTime();
            const adjacent =
              samples.indexOf(kept[i] as CounterSample) - samples.indexOf(kept[i - 1] as CounterSample) === 1;
            assert.ok(gap <= stepMs || adjacent, `kept samples ${gap} ms apart across dropped ones`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
