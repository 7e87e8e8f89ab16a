import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideFault, isActive, NO_FAULTS, validateFaults } from './faults.ts';

const sequence = (...values: number[]) => {
  let i = 0;
  return () => {
    const v = values[i++];
    if (v === undefined) throw new Error('random drawn more often than expected');
    return v;
  };
};

test('no faults forward at once without drawing', () => {
  assert.deepEqual(decideFault(NO_FAULTS, sequence()), { delayMs: 0, outcome: 'forward' });
  assert.equal(isActive(NO_FAULTS), false);
});

test('abort is drawn first, then error; latency applies to every outcome', () => {
  const f = validateFaults({ abortRatio: 0.1, errorRatio: 0.5, latencyMs: 20 });
  assert.deepEqual(decideFault(f, sequence(0.05)), { delayMs: 20, outcome: 'abort' });
  assert.deepEqual(decideFault(f, sequence(0.2, 0.4)), { delayMs: 20, outcome: 'error' });
  assert.deepEqual(decideFault(f, sequence(0.2, 0.6)), { delayMs: 20, outcome: 'forward' });
});

test('only the ratios that are set draw from random', () => {
  assert.deepEqual(decideFault(validateFaults({ errorRatio: 1 }), sequence(0.99)), {
    delayMs: 0,
    outcome: 'error',
  });
  assert.deepEqual(decideFault(validateFaults({ latencyMs: 5 }), sequence()), {
    delayMs: 5,
    outcome: 'forward',
  });
});

test('missing fields are 0 and the result is frozen', () => {
  const f = validateFaults({ errorRatio: 0.25 });
  assert.deepEqual(f, { errorRatio: 0.25, latencyMs: 0, abortRatio: 0 });
  assert.ok(Object.isFrozen(f));
});

test('bad values are rejected with every problem named', () => {
  assert.throws(
    () => validateFaults({ errorRatio: 1.5, latencyMs: -1, abortRatio: NaN, delay: 3 } as never),
    {
      message:
        'invalid faults: unknown key "delay" (expected errorRatio, latencyMs, abortRatio); ' +
        'errorRatio must be in 0..1, got 1.5; abortRatio must be in 0..1, got NaN; ' +
        'latencyMs must be an integer in 0..600000, got -1',
    },
  );
});
