import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads single units', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('1d'), 86_400_000);
  });

  it('adds up compound durations', () => {
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('2m500ms'), 120_500);
    assert.equal(parseDuration('1d2h3m4s5ms'), 86_400_000 + 7_200_000 + 180_000 + 4000 + 5);
  });

  it('reads fractional amounts and rounds to whole milliseconds', () => {
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('0.25m'), 15_000);
    assert.equal(parseDuration('1.0005s'), 1001);
  });

  it('ignores surrounding whitespace', () => {
    assert.equal(parseDuration('  30s\n'), 30_000);
  });

  it('treats numbers as seconds', () => {
    assert.equal(parseDuration(30), 30_000);
    assert.equal(parseDuration(1.5), 1500);
    assert.equal(parseDuration(0), 0);
    assert.equal(parseDuration(0.0004), 0);
  });

  it('rejects negative and non-finite numbers, naming the value', () => {
    assert.throws(() => parseDuration(-1), /invalid duration -1/);
    assert.throws(() => parseDuration(Number.NaN), /invalid duration NaN/);
    assert.throws(() => parseDuration(Number.POSITIVE_INFINITY), /invalid duration Infinity/);
  });

  for (const bad of ['', '   ', '5 minutes', 'abc', '10', '5x', '1h30', 's', '-5s', '30s!', '1,5s']) {
    it(`rejects ${JSON.stringify(bad)} with a message naming it`, () => {
      assert.throws(
        () => parseDuration(bad),
        (err: unknown) => {
          assert.ok(err instanceof Error);
          assert.ok(
            err.message.includes(`invalid duration ${JSON.stringify(bad)}`),
            `message was: ${err.message}`,
          );
          assert.match(err.message, /expected e\.g\. 30s, 5m, 1h30m/);
          return true;
        },
      );
    });
  }

  it('gives the arithmetic sum of any mix of components (property)', () => {
    const component = (unit: string, factor: number) =>
      fc.option(
        fc.nat(1000).map((n) => ({ text: `${n}${unit}`, ms: n * factor })),
        { nil: undefined },
      );
    fc.assert(
      fc.property(
        component('d', 86_400_000),
        component('h', 3_600_000),
        component('m', 60_000),
        component('s', 1000),
        component('ms', 1),
        (...parts) => {
          const present = parts.filter((p) => p !== undefined);
          fc.pre(present.length > 0);
          const text = present.map((p) => p.text).join('');
          const expected = present.reduce((sum, p) => sum + p.ms, 0);
          assert.equal(parseDuration(text), expected, text);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('treats any non-negative number as seconds (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e7, noNaN: true }), (n) => {
        assert.equal(parseDuration(n), Math.round(n * 1000));
      }),
      { numRuns: 200 },
    );
  });
});

describe('formatDuration', () => {
  it('shows sub-second durations in whole milliseconds', () => {
    assert.equal(formatDuration(0), '0ms');
    assert.equal(formatDuration(850), '850ms');
    assert.equal(formatDuration(12.4), '12ms');
  });

  it('shows seconds with one decimal below a minute', () => {
    assert.equal(formatDuration(1000), '1.0s');
    assert.equal(formatDuration(12_340), '12.3s');
    assert.equal(formatDuration(59_900), '59.9s');
  });

  it('shows minutes with zero-padded seconds below an hour', () => {
    assert.equal(formatDuration(60_000), '1m00s');
    assert.equal(formatDuration(245_000), '4m05s');
    assert.equal(formatDuration(3_599_999), '59m59s');
  });

  it('shows hours with zero-padded minutes', () => {
    assert.equal(formatDuration(3_600_000), '1h00m');
    assert.equal(formatDuration(5_400_000), '1h30m');
    assert.equal(formatDuration(26 * 3_600_000 + 7 * 60_000 + 59_000), '26h07m');
  });

  it('formats to text parseDuration reads back, truncated to the shown unit (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), (ms) => {
        assert.equal(parseDuration(formatDuration(ms)), ms);
      }),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 60_000, max: 3_599_999 }), (ms) => {
        assert.equal(parseDuration(formatDuration(ms)), Math.floor(ms / 1000) * 1000);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 3_600_000, max: 1_000 * 3_600_000 }), (ms) => {
        assert.equal(parseDuration(formatDuration(ms)), Math.floor(ms / 60_000) * 60_000);
      }),
      { numRuns: 200 },
    );
  });
});
