/** Pure pricing logic: the catalogue and cart quotes. All money is in integer cents (USD). */

export interface Product {
  sku: string;
  name: string;
  priceCents: number;
}

export interface LineItem {
  sku: string;
  qty: number;
}

export interface QuoteLine extends LineItem {
  unitCents: number;
  lineCents: number;
}

export interface Quote {
  currency: 'USD';
  lines: QuoteLine[];
  subtotalCents: number;
  taxCents: number;
  totalCents: number;
}

export type PricingErrorCode =
  'invalid_items' | 'too_many_lines' | 'invalid_line' | 'unknown_sku' | 'invalid_qty';

export class PricingError extends Error {
  readonly code: PricingErrorCode;

  constructor(code: PricingErrorCode, message: string) {
    super(message);
    this.name = 'PricingError';
    this.code = code;
  }
}

/** Sales tax of 8.25%, in basis points so that all arithmetic stays in integers. */
export const TAX_RATE_BASIS_POINTS = 825;
export const MAX_LINES = 50;
/** Upper bound per line; keeps every amount far inside Number.MAX_SAFE_INTEGER. */
export const MAX_QTY = 1000;

const PRODUCTS: Product[] = [
  { sku: 'COFFEE-BEANS-1KG', name: 'Coffee beans, 1 kg', priceCents: 2499 },
  { sku: 'MUG-CERAMIC', name: 'Ceramic mug', priceCents: 1200 },
  { sku: 'FILTER-PAPER-100', name: 'Filter papers, pack of 100', priceCents: 499 },
  { sku: 'GRINDER-HAND', name: 'Hand grinder', priceCents: 5995 },
  { sku: 'STICKER', name: 'Sticker', priceCents: 99 },
];

export const CATALOGUE: ReadonlyMap<string, Product> = new Map(PRODUCTS.map((p) => [p.sku, p]));

export function getProduct(sku: string): Product | undefined {
  return CATALOGUE.get(sku);
}

/** Tax on an amount, rounded half up to the cent (amounts are never negative). */
export function taxFor(subtotalCents: number): number {
  return Math.floor((subtotalCents * TAX_RATE_BASIS_POINTS + 5000) / 10000);
}

/** Prices a cart. Validates at run time too, since items usually come from a JSON body. */
export function quote(items: readonly LineItem[]): Quote {
  if (!Array.isArray(items)) throw new PricingError('invalid_items', 'items must be an array');
  if (items.length > MAX_LINES) {
    throw new PricingError('too_many_lines', `a cart has at most ${MAX_LINES} lines, got ${items.length}`);
  }
  const lines = items.map((item: unknown, index): QuoteLine => {
    if (typeof item !== 'object' || item === null) {
      throw new PricingError('invalid_line', `line ${index}: must be an object with sku and qty`);
    }
    const { sku, qty } = item as Record<string, unknown>;
    const product = typeof sku === 'string' ? getProduct(sku) : undefined;
    if (product === undefined) {
      throw new PricingError('unknown_sku', `line ${index}: unknown SKU ${JSON.stringify(sku)}`);
    }
    if (typeof qty !== 'number' || !Number.isInteger(qty) || qty < 1 || qty > MAX_QTY) {
      throw new PricingError(
        'invalid_qty',
        `line ${index}: qty must be an integer from 1 to ${MAX_QTY}, got ${JSON.stringify(qty)}`,
      );
    }
    return { sku: product.sku, qty, unitCents: product.priceCents, lineCents: product.priceCents * qty };
  });
  const subtotalCents = lines.reduce((sum, line) => sum + line.lineCents, 0);
  const taxCents = taxFor(subtotalCents);
  return { currency: 'USD', lines, subtotalCents, taxCents, totalCents: subtotalCents + taxCents };
}
