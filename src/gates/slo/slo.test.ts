import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defineSlo } from './slo.ts';

describe('defineSlo', () => {
  it('resolves the window, the budget fraction and the defaults, frozen', () => {
    const slo = defineSlo({ objective: 99.9, window: '30d' });
    assert.deepEqual(slo, {
      objective: 99.9,
      window: '30d',
      windowMs: 30 * 86_400_000,
      errorBudget: 0.001,
      minCoverage: 0.9,
      minRequests: 1,
    });
    assert.ok(Object.isFrozen(slo));
  });

  for (const objective of [0, 100, -1, 101, Number.NaN]) {
    it(`rejects objective ${objective}, naming it`, () => {
      assert.throws(
        () => defineSlo({ objective, window: '30d' }),
        new RegExp(`invalid slo objective ${objective}`),
      );
    });
  }

  it('rejects a bad window, coverage or request minimum, naming the value', () => {
    assert.throws(() => defineSlo({ objective: 99.9, window: 'a month' }), /invalid duration "a month"/);
    assert.throws(() => defineSlo({ objective: 99.9, window: '0s' }), /invalid slo window "0s"/);
    assert.throws(
      () => defineSlo({ objective: 99.9, window: '30d', minCoverage: 0 }),
      /invalid minCoverage 0/,
    );
    assert.throws(
      () => defineSlo({ objective: 99.9, window: '30d', minCoverage: 1.5 }),
      /invalid minCoverage 1.5/,
    );
    assert.throws(
      () => defineSlo({ objective: 99.9, window: '30d', minRequests: 0 }),
      /invalid minRequests 0/,
    );
  });
});
