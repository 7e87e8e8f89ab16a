import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { burnRate, errorBudgetFraction, errorBudgetRemaining } from './burn-math.ts';

const objective = fc.constantFrom(90, 99, 99.5, 99.9, 99.95, 99.99, 99.999);

describe('burn math', () => {
  it('turns decimal objectives into exact budget fractions', () => {
    assert.equal(errorBudgetFraction(99.9), 0.001);
    assert.equal(errorBudgetFraction(99.95), 0.0005);
    assert.equal(errorBudgetFraction(99.99), 0.0001);
    assert.equal(errorBudgetFraction(99), 0.01);
  });

  it('burns at 1 when errors match the budget, at 20 for 2% errors against 99.9', () => {
    assert.equal(burnRate(0.001, 99.9), 1);
    assert.equal(burnRate(0.02, 99.9), 20);
    assert.equal(burnRate(0, 99.9), 0);
  });

  it('leaves 100% of the budget at no errors, 50% at half, none at the budget, negative beyond', () => {
    assert.equal(errorBudgetRemaining(0, 99.9), 100);
    assert.equal(errorBudgetRemaining(0.0005, 99.9), 50);
    assert.equal(errorBudgetRemaining(0.001, 99.9), 0);
    assert.equal(errorBudgetRemaining(0.002, 99.9), -100);
  });

  it('scales the burn rate linearly with the error ratio', () => {
    fc.assert(
      fc.property(
        objective,
        fc.double({ min: 1e-9, max: 0.02, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        (o, ratio, k) => {
          const scaled = burnRate(k * ratio, o);
          const expected = k * burnRate(ratio, o);
          assert.ok(Math.abs(scaled - expected) <= 1e-9 * Math.max(1, expected), `${scaled} vs ${expected}`);
        },
      ),
    );
  });

  it('keeps budget remaining and burn rate consistent: remaining = 100 × (1 − burn)', () => {
    fc.assert(
      fc.property(objective, fc.double({ min: 0, max: 1, noNaN: true }), (o, ratio) => {
        const remaining = errorBudgetRemaining(ratio, o);
        assert.ok(
          Math.abs(remaining - 100 * (1 - burnRate(ratio, o))) <= 1e-9 * Math.max(1, Math.abs(remaining)),
        );
      }),
    );
  });
});
