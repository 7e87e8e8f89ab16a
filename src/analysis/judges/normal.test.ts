import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normalCdf, normalQuantile, normalSf } from './normal.ts';

const close = (actual: number, expected: number, rel = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${actual} vs ${expected}`);

describe('standard normal', () => {
  it('matches tabulated values of Φ', () => {
    close(normalCdf(0), 0.5);
    close(normalCdf(1), 0.8413447460685429);
    close(normalCdf(1.959963984540054), 0.975);
    close(normalCdf(-1.6448536269514722), 0.05, 1e-13);
    close(normalCdf(2.326347874040841), 0.99);
    close(normalCdf(-3), 0.0013498980316300946);
  });

  it('keeps relative precision deep in the upper tail', () => {
    close(normalSf(3.5), 2.3262907903552504e-4);
    close(normalSf(5), 2.866515718791939e-7);
    close(normalSf(8), 6.22096057427178e-16);
    assert.equal(normalSf(Infinity), 0);
    assert.equal(normalCdf(-Infinity), 0);
  });

  it('is continuous where the series hands over to the continued fraction', () => {
    for (const x of [-3, 3]) {
      close(normalCdf(x - 1e-9), normalCdf(x + 1e-9), 1e-8);
      close(normalSf(x - 1e-9), normalSf(x + 1e-9), 1e-8);
    }
  });

  it('inverts Φ: tabulated quantiles', () => {
    close(normalQuantile(0.975), 1.959963984540054, 1e-13);
    close(normalQuantile(0.999), 3.090232306167813, 1e-13);
    close(normalQuantile(0.01), -2.3263478740408408, 1e-13);
    close(normalQuantile(0.8), 0.8416212335729143, 1e-13);
    assert.ok(Math.abs(normalQuantile(0.5)) < 1e-15);
    assert.equal(normalQuantile(1), Infinity);
    assert.ok(Number.isNaN(normalQuantile(2)));
  });

  it('adds up: Φ(x) + Q(x) = 1 and Φ(−x) = Q(x)', () => {
    fc.assert(
      fc.property(fc.double({ min: -10, max: 10, noNaN: true }), (x) => {
        assert.ok(Math.abs(normalCdf(x) + normalSf(x) - 1) < 1e-15);
        close(normalCdf(-x), normalSf(x), 1e-13);
      }),
    );
  });
});
