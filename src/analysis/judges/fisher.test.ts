import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fisherUpperTail } from './fisher.ts';

/** C(n, k), exactly enough for the small tables here. */
function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** The noncentral hypergeometric probabilities of x = lo..hi, by brute force. */
function pmf(n1: number, n2: number, m: number, psi: number): Map<number, number> {
  const weights = new Map<number, number>();
  let all = 0;
  for (let u = Math.max(0, m - n2); u <= Math.min(n1, m); u++) {
    const w = choose(n1, u) * choose(n2, m - u) * psi ** u;
    weights.set(u, w);
    all += w;
  }
  for (const [u, w] of weights) weights.set(u, w / all);
  return weights;
}

const table = fc
  .record({ n1: fc.integer({ min: 1, max: 30 }), n2: fc.integer({ min: 1, max: 30 }), m: fc.nat(60) })
  .filter(({ n1, n2, m }) => m <= n1 + n2);

describe('fisherUpperTail: the exact conditional test', () => {
  it("Fisher's lady tasting tea: 3 of 4 right, one-sided p = 17/70", () => {
    assert.ok(Math.abs(fisherUpperTail(3, 4, 4, 4, 1) - 17 / 70) < 1e-12);
    assert.ok(Math.abs(fisherUpperTail(4, 4, 4, 4, 1) - 1 / 70) < 1e-12);
  });

  it('equals the brute-force tail of the noncentral hypergeometric, at any odds ratio', () => {
    fc.assert(
      fc.property(table, fc.constantFrom(0.5, 1, 1.5, 3), ({ n1, n2, m }, psi) => {
        const p = pmf(n1, n2, m, psi);
        for (const x of p.keys()) {
          let tail = 0;
          for (const [u, q] of p) if (u >= x) tail += q;
          assert.ok(Math.abs(fisherUpperTail(x, n1, n2, m, psi) - tail) < 1e-9, `x ${x}`);
        }
      }),
    );
  });

  it('is a valid p-value: under ψ₀ (and any ψ below it) P(p ≤ α) ≤ α', () => {
    fc.assert(
      fc.property(
        table,
        fc.constantFrom(0.01, 0.05, 0.2),
        fc.constantFrom(1, 0.7),
        ({ n1, n2, m }, alpha, below) => {
          const psi0 = 1.5;
          let size = 0;
          for (const [x, q] of pmf(n1, n2, m, psi0 * below)) {
            if (fisherUpperTail(x, n1, n2, m, psi0) <= alpha) size += q;
          }
          assert.ok(size <= alpha + 1e-12, `size ${size}`);
        },
      ),
    );
  });

  it('is monotone: more canary events give a smaller p, a larger ψ₀ a larger one', () => {
    fc.assert(
      fc.property(table, ({ n1, n2, m }) => {
        const lo = Math.max(0, m - n2);
        const hi = Math.min(n1, m);
        for (let x = lo + 1; x <= hi; x++) {
          assert.ok(fisherUpperTail(x, n1, n2, m, 1.5) <= fisherUpperTail(x - 1, n1, n2, m, 1.5) + 1e-12);
          assert.ok(fisherUpperTail(x, n1, n2, m, 1) <= fisherUpperTail(x, n1, n2, m, 2) + 1e-12);
        }
      }),
    );
  });

  it('handles the large counts of a busy window, and refuses impossible ones', () => {
    const p = fisherUpperTail(1200, 60_000, 180_000, 2100, 1.5);
    assert.ok(p > 0 && p < 1e-20, `p ${p}`);
    assert.equal(fisherUpperTail(0, 10, 10, 0, 1.5), 1);
    assert.throws(() => fisherUpperTail(5, 4, 4, 4, 1), /impossible counts: 5 of 4 events/);
  });
});
