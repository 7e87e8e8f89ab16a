import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { rateLogLikelihoodRatio, sliceLogLikelihoodRatio, sprtBoundaries } from './sprt.ts';

const close = (actual: number, expected: number, abs = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= abs, `${actual} vs ${expected}`);

/** C(n, k) as a float, fine for the small n used here. */
function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** Fisher's noncentral hypergeometric P_ψ(x | n₁, n₂, m), straight from its definition. */
function fisherPmf(x: number, n1: number, n2: number, m: number, psi: number): number {
  let z = 0;
  for (let u = 0; u <= m; u++) z += choose(n1, u) * choose(n2, m - u) * psi ** u;
  return (choose(n1, x) * choose(n2, m - x) * psi ** x) / z;
}

describe('SPRT boundaries', () => {
  it('are log(1/α) and log β, as computed by hand', () => {
    const b = sprtBoundaries(0.05, 0.2);
    close(b.fail, Math.log(20));
    close(b.fail, 2.995732273553991);
    close(b.pass, -1.6094379124341003);
    close(sprtBoundaries(0.005, 0.01).fail, 5.298317366548036);
  });

  it('reject error rates outside (0, 1)', () => {
    assert.throws(() => sprtBoundaries(0, 0.1), /alpha must be in \(0, 1\), got 0/);
    assert.throws(() => sprtBoundaries(0.1, 1), /beta must be in \(0, 1\), got 1/);
  });
});

describe('slice likelihood ratio', () => {
  it('matches hand computations', () => {
    // one request each side, one failure, on the canary: P_ψ(1) = ψ / (1 + ψ) → (2/3) / (1/2)
    close(sliceLogLikelihoodRatio(1, 1, 1, 1, 1, 2), Math.log(4 / 3));
    // 2 canary and 3 stable requests, both failures on the canary: P_ψ(2) = ψ² / (3 + 6ψ + ψ²)
    close(sliceLogLikelihoodRatio(2, 2, 3, 2, 1, 2), Math.log(4 / 19 / (1 / 10)));
    // ψ₀ ≠ 1: 1.5 against 3 on the same slice
    const p = (psi: number) => psi ** 2 / (3 + 6 * psi + psi ** 2);
    close(sliceLogLikelihoodRatio(2, 2, 3, 2, 1.5, 3), Math.log(p(3) / p(1.5)));
  });

  it('agrees with the definition of the distribution', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        fc.nat(24),
        fc.double({ min: 0.2, max: 5, noNaN: true }),
        fc.double({ min: 0.2, max: 5, noNaN: true }),
        (n1, n2, mm, psi0, psi1) => {
          const m = Math.min(mm, n1 + n2);
          for (let x = Math.max(0, m - n2); x <= Math.min(n1, m); x++) {
            const expected = Math.log(fisherPmf(x, n1, n2, m, psi1) / fisherPmf(x, n1, n2, m, psi0));
            close(sliceLogLikelihoodRatio(x, n1, n2, m, psi0, psi1), expected, 1e-9);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('has expectation 1 under ψ₀ (a martingale) and below 1 for any ψ < ψ₀ (a supermartingale)', () => {
    for (const [n1, n2, m] of [
      [5, 45, 3],
      [20, 20, 11],
      [7, 3, 6],
    ] as const) {
      const expectation = (psi: number) => {
        let e = 0;
        for (let x = Math.max(0, m - n2); x <= Math.min(n1, m); x++) {
          e += fisherPmf(x, n1, n2, m, psi) * Math.exp(sliceLogLikelihoodRatio(x, n1, n2, m, 1.2, 2));
        }
        return e;
      };
      close(expectation(1.2), 1, 1e-12);
      assert.ok(expectation(1) < 1);
      assert.ok(expectation(0.5) < expectation(1));
    }
  });

  it('is the binomial test of the Poisson approximation when failures are rare', () => {
    // 5 000 canary and 45 000 stable requests, 3 failures, 2 on the canary; ψ 1 against 2
    const theta0 = 5000 / 50000;
    const theta1 = (2 * 5000) / (2 * 5000 + 45000);
    const binomial = 2 * Math.log(theta1 / theta0) + Math.log((1 - theta1) / (1 - theta0));
    close(sliceLogLikelihoodRatio(2, 5000, 45000, 3, 1, 2), binomial, 1e-3);
  });

  it('is 0 when the slice cannot tell the versions apart, and refuses impossible slices', () => {
    assert.equal(sliceLogLikelihoodRatio(0, 0, 100, 3, 1, 2), 0);
    assert.equal(sliceLogLikelihoodRatio(4, 4, 0, 4, 1, 2), 0);
    assert.equal(sliceLogLikelihoodRatio(0, 10, 10, 0, 1, 2), 0);
    assert.throws(() => sliceLogLikelihoodRatio(3, 2, 5, 3, 1, 2), /impossible slice: 3 of 3 events/);
  });
});

describe('canary-only likelihood ratio', () => {
  it('matches a hand computation', () => {
    close(rateLogLikelihoodRatio(0, 1000, 0.0025, 0.005), 1000 * Math.log(0.9975 / 0.995));
    close(rateLogLikelihoodRatio(3, 10, 0.1, 0.2), 3 * Math.log(0.5) + 7 * Math.log(0.9 / 0.8));
  });
});
