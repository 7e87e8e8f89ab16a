import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CATALOGUE, MAX_LINES, MAX_QTY, PricingError, getProduct, quote, taxFor } from '../../src/pricing.ts';
import type { LineItem } from '../../src/pricing.ts';

function pricingError(code: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof PricingError, `expected a PricingError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

describe('catalogue', () => {
  test('every price is a positive integer number of cents', () => {
    assert.ok(CATALOGUE.size > 0);
    for (const product of CATALOGUE.values()) {
      assert.ok(Number.isInteger(product.priceCents) && product.priceCents > 0, product.sku);
    }
  });

  test('getProduct finds known SKUs only', () => {
    assert.deepEqual(getProduct('MUG-CERAMIC'), {
      sku: 'MUG-CERAMIC',
      name: 'Ceramic mug',
      priceCents: 1200,
    });
    assert.equal(getProduct('mug-ceramic'), undefined);
  });
});

describe('taxFor', () => {
  test('is 8.25%, rounded half up to the cent', () => {
    assert.equal(taxFor(0), 0);
    assert.equal(taxFor(10000), 825);
    assert.equal(taxFor(99), 8); // 8.1675 -> 8
    assert.equal(taxFor(1200), 99); // 99.0 exactly
    assert.equal(taxFor(200), 17); // 16.5 -> 17 (half up, not to even)
    assert.equal(taxFor(600), 50); // 49.5 -> 50
    assert.equal(taxFor(1000), 83); // 82.5 -> 83 (banker's rounding would give 82)
  });
});

describe('quote', () => {
  test('prices a cart', () => {
    const result = quote([
      { sku: 'COFFEE-BEANS-1KG', qty: 2 },
      { sku: 'STICKER', qty: 3 },
    ]);
    assert.deepEqual(result, {
      currency: 'USD',
      lines: [
        { sku: 'COFFEE-BEANS-1KG', qty: 2, unitCents: 2499, lineCents: 4998 },
        { sku: 'STICKER', qty: 3, unitCents: 99, lineCents: 297 },
      ],
      subtotalCents: 5295,
      taxCents: 437, // 436.8375
      totalCents: 5732,
    });
  });

  test('an empty cart costs nothing', () => {
    assert.deepEqual(quote([]), { currency: 'USD', lines: [], subtotalCents: 0, taxCents: 0, totalCents: 0 });
  });

  test('accepts exactly MAX_LINES lines of MAX_QTY', () => {
    const items = Array.from({ length: MAX_LINES }, () => ({ sku: 'GRINDER-HAND', qty: MAX_QTY }));
    const result = quote(items);
    assert.equal(result.subtotalCents, 5995 * MAX_QTY * MAX_LINES);
    assert.equal(result.totalCents, result.subtotalCents + result.taxCents);
  });

  test('rejects more than MAX_LINES lines', () => {
    const items = Array.from({ length: MAX_LINES + 1 }, () => ({ sku: 'STICKER', qty: 1 }));
    assert.throws(() => quote(items), pricingError('too_many_lines'));
  });

  test('rejects an unknown SKU', () => {
    assert.throws(() => quote([{ sku: 'NOPE', qty: 1 }]), /line 0: unknown SKU "NOPE"/);
    assert.throws(() => quote([{ sku: 'NOPE', qty: 1 }]), pricingError('unknown_sku'));
  });

  for (const qty of [0, -1, 1.5, MAX_QTY + 1, Number.NaN, Infinity, '2', null]) {
    test(`rejects qty ${String(qty)}`, () => {
      assert.throws(() => quote([{ sku: 'STICKER', qty } as LineItem]), pricingError('invalid_qty'));
    });
  }

  test('rejects input that is not a list of objects', () => {
    assert.throws(() => quote('STICKER' as unknown as LineItem[]), pricingError('invalid_items'));
    assert.throws(() => quote([null as unknown as LineItem]), pricingError('invalid_line'));
    assert.throws(() => quote([{ qty: 1 } as LineItem]), pricingError('unknown_sku'));
  });
});
