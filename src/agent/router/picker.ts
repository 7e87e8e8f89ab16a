import { WEIGHT_TOTAL } from './routes.ts';

/** A source of numbers in [0, 1), like Math.random; injected so tests are deterministic. */
export type Random = () => number;

/**
 * Weighted choice in exact 0.1 % steps: the unit interval is cut into 1000 tickets and each index owns
 * as many tickets as its per-mille weight, so a 0 weight is never chosen.
 *
 * @example new WeightedPicker([900, 100]).pick(0.95) // → 1
 */
export class WeightedPicker {
  readonly #tickets: Uint16Array;

  /** `weights` are per-mille and must sum to 1000 (as validateRoutes guarantees). */
  constructor(weights: readonly number[]) {
    const sum = weights.reduce((a, b) => a + b, 0);
    if (sum !== WEIGHT_TOTAL || weights.some((w) => !Number.isInteger(w) || w < 0)) {
      throw new RangeError(
        `weights must be non-negative integers summing to ${WEIGHT_TOTAL}, got ${weights}`,
      );
    }
    this.#tickets = new Uint16Array(WEIGHT_TOTAL);
    let next = 0;
    weights.forEach((w, index) => {
      this.#tickets.fill(index, next, next + w);
      next += w;
    });
  }

  /** The index that owns the ticket `r` falls on; `r` outside [0, 1) is clamped. */
  pick(r: number): number {
    const ticket = Math.min(WEIGHT_TOTAL - 1, Math.max(0, Math.floor(r * WEIGHT_TOTAL)));
    return this.#tickets[Number.isNaN(ticket) ? 0 : ticket] as number;
  }
}
