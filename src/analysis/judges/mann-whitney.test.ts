import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exactUDistribution, groupSamples, mannWhitney, mannWhitneyGrouped } from './mann-whitney.ts';
import type { TiedGroup } from './mann-whitney.ts';
import { normalSf } from './normal.ts';

const close = (actual: number, expected: number, rel = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${actual} vs ${expected}`);

/** U by its definition: pairs where x is larger, ties counting one half. */
function bruteU(x: readonly number[], y: readonly number[]): number {
  let u = 0;
  for (const a of x) for (const b of y) u += a > b ? 1 : a === b ? 0.5 : 0;
  return u;
}

describe('Mann-Whitney U', () => {
  // ClickHouse's test of mannWhitneyUTest (tests/queries/0_stateless/01560_mann_whitney.sql), which
  // agrees with SciPy: two-sided, continuity correction, ties at 530, 180, 111 and 261.
  const left = [
    310, 195, 530, 155, 530, 245, 385, 450, 465, 545, 170, 180, 125, 180, 230, 75, 430, 480, 495, 295,
  ];
  const right = [
    116, 171, 176, 421, 111, 326, 481, 111, 346, 441, 261, 411, 206, 521, 456, 446, 296, 51, 426, 261,
  ];

  it('matches a published two-sided p-value with ties', () => {
    const r = mannWhitney(left, right);
    assert.equal(r.u, 223);
    assert.equal(r.method, 'normal');
    close(r.pValue, 0.5426959774289482, 1e-12);
  });

  it('matches a published one-sided p-value (normal approximation) and the exact one', () => {
    // ClickHouse docs: mannWhitneyUTest('greater') of [10, 11, 12] against [1, 2, 3] = (9, 0.0404…)
    const normal = mannWhitney([10, 11, 12], [1, 2, 3], { alternative: 'greater', method: 'normal' });
    assert.equal(normal.u, 9);
    close(normal.pValue, 0.04042779918503192);
    // exactly: 1 of the C(6,3) = 20 equally likely arrangements puts all three x on top
    const exact = mannWhitney([10, 11, 12], [1, 2, 3], { alternative: 'greater' });
    assert.equal(exact.method, 'exact');
    close(exact.pValue, 1 / 20, 1e-15);
    close(mannWhitney([10, 11, 12], [1, 2, 3]).pValue, 2 / 20, 1e-15);
  });

  it('applies the tie correction as computed by hand', () => {
    // pooled: 1x 2x 2x 2y 3x 3y 3y 4y — U = 0 + 2·(0 + ½) + 1·(1 + 1) = 3, two ties of size 3
    const r = mannWhitney([1, 2, 2, 3], [2, 3, 3, 4]);
    assert.equal(r.u, 3);
    const sigma = Math.sqrt((16 / 12) * (9 - (24 + 24) / (8 * 7))); // 3.2950…
    close(r.z, -4.5 / sigma, 1e-12);
    close(r.pValue, 2 * normalSf(4.5 / sigma), 1e-12);
    assert.equal(Number(r.pValue.toFixed(4)), 0.172);
  });

  it('has the exact null distribution of U for 3 and 3 values', () => {
    const counts = Array.from(exactUDistribution(3, 3), (p) => Math.round(p * 20));
    assert.deepEqual(counts, [1, 1, 2, 3, 3, 3, 3, 2, 1, 1]);
  });

  it('reproduces the published critical values of U (two-sided, α = 0.05)', () => {
    // the largest U with P(U ≤ U*) ≤ 0.025, from the standard tables for n₁ = n₂
    const table: [number, number][] = [
      [5, 2],
      [6, 5],
      [8, 13],
      [10, 23],
      [15, 64],
      [20, 127],
    ];
    for (const [n, critical] of table) {
      const d = exactUDistribution(n, n);
      let cdf = 0;
      for (let u = 0; u <= critical; u++) cdf += d[u] as number;
      assert.ok(cdf <= 0.025, `n=${n}: P(U ≤ ${critical}) = ${cdf}`);
      assert.ok(cdf + (d[critical + 1] as number) > 0.025, `n=${n}: ${critical} is not the largest`);
    }
  });

  it('agrees with enumerating every arrangement for small samples', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), (m, n) => {
        const counts = new Float64Array(m * n + 1);
        let total = 0;
        for (let mask = 0; mask < 1 << (m + n); mask++) {
          let bits = 0;
          for (let b = mask; b; b &= b - 1) bits++;
          if (bits !== m) continue;
          let u = 0;
          let below = 0;
          for (let i = 0; i < m + n; i++) {
            if (mask & (1 << i)) u += below;
            else below++;
          }
          counts[u] = (counts[u] as number) + 1;
          total++;
        }
        const d = exactUDistribution(m, n);
        counts.forEach((c, u) => assert.ok(Math.abs((d[u] as number) - c / total) < 1e-14));
      }),
      { numRuns: 30 },
    );
  });

  it('computes U as the pairs where the canary is larger, and U₁ + U₂ = n₁n₂', () => {
    const sample = fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(sample, sample, (x, y) => {
        const xy = mannWhitney(x, y, { method: 'normal' });
        const yx = mannWhitney(y, x, { method: 'normal' });
        assert.equal(xy.u, bruteU(x, y));
        assert.equal(xy.u + yx.u, x.length * y.length);
        close(xy.rankBiserial, -yx.rankBiserial, 1e-12);
        assert.ok(Math.abs(xy.pValue - yx.pValue) < 1e-12);
        assert.ok(xy.pValue >= 0 && xy.pValue <= 1);
      }),
    );
  });

  it('gives grouped data (a histogram) the same answer as the raw values', () => {
    const group = fc.record({ x: fc.nat(40), y: fc.nat(40) });
    fc.assert(
      fc.property(fc.array(group, { minLength: 1, maxLength: 8 }), (groups: TiedGroup[]) => {
        const x = groups.flatMap((g, i) => Array<number>(g.x).fill(i));
        const y = groups.flatMap((g, i) => Array<number>(g.y).fill(i));
        const grouped = mannWhitneyGrouped(groups, { method: 'normal', alternative: 'greater' });
        const raw = mannWhitney(x, y, { method: 'normal', alternative: 'greater' });
        assert.equal(grouped.u, raw.u);
        assert.ok(Math.abs(grouped.pValue - raw.pValue) < 1e-12);
      }),
    );
  });

  it('on 0/1 data is the two-proportion test: z² = (N − 1)(ad − bc)² / (r₁r₂c₁c₂)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.nat(500),
        fc.integer({ min: 1, max: 500 }),
        fc.nat(500),
        (a, b, c, d) => {
          // canary: a requests fine, b failed; stable: c fine, d failed
          fc.pre(b + d > 0);
          const r = mannWhitneyGrouped(
            [
              { x: a, y: c },
              { x: b, y: d },
            ],
            { continuity: false, method: 'normal' },
          );
          const n = a + b + c + d;
          const chi = ((n - 1) * (a * d - b * c) ** 2) / ((a + b) * (c + d) * (a + c) * (b + d));
          assert.ok(Math.abs(r.z * r.z - chi) <= 1e-9 * Math.max(1, chi), `${r.z ** 2} vs ${chi}`);
        },
      ),
    );
  });

  it('moves the effect size with the shift: all larger is CLES 1, identical is 0.5', () => {
    const r = mannWhitney([5, 6, 7], [1, 2, 3]);
    assert.equal(r.cles, 1);
    assert.equal(r.rankBiserial, 1);
    const same = mannWhitney([1, 2, 3], [3, 2, 1], { method: 'normal' });
    assert.equal(same.cles, 0.5);
    assert.equal(same.pValue, 1);
  });

  it('says nothing without variation or without data', () => {
    assert.equal(mannWhitney([1, 1, 1], [1, 1]).pValue, 1);
    assert.equal(mannWhitney([], [1, 2]).pValue, 1);
    assert.deepEqual(groupSamples([NaN, 2], [2]), [{ x: 1, y: 1 }]);
  });
});
