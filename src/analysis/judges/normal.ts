/*
 * The standard normal distribution, accurate to about 1e-15 relative in both tails.
 *
 * - |x| ≤ 3: Φ(x) = ½ + φ(x)·(x + x³/3 + x⁵/(3·5) + x⁷/(3·5·7) + …), every term positive, so the
 *   series has no cancellation (Marsaglia, "Evaluating the normal distribution", JSS 11(4), 2004).
 * - |x| > 3: the tail by Laplace's continued fraction Q(x) = φ(x) / (x + 1/(x + 2/(x + 3/(x + …)))),
 *   evaluated from the bottom up, which keeps relative precision where 1 − Φ(x) would lose it.
 */

const INV_SQRT_2PI = 0.3989422804014327;

/** The standard normal density φ(x). */
export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** P(Z ≤ x) for a standard normal Z. @example normalCdf(1.959963984540054) // 0.975 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < -3) return upperTail(-x);
  if (x > 3) return 1 - upperTail(x);
  return 0.5 + normalPdf(x) * oddSeries(x);
}

/** P(Z > x) for a standard normal Z, without cancellation in the upper tail. @example normalSf(5) // 2.8665e-7 */
export function normalSf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 3) return upperTail(x);
  if (x < -3) return 1 - upperTail(-x);
  return 0.5 - normalPdf(x) * oddSeries(x);
}

function oddSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let k = 1; Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
    term *= x2 / (2 * k + 1);
    sum += term;
  }
  return sum;
}

function upperTail(x: number): number {
  if (x === Infinity) return 0;
  let f = x;
  for (let k = 300; k >= 1; k--) f = x + k / f;
  return normalPdf(x) / f;
}

/** The x with Φ(x) = p, by bisection on Φ (60 halvings of [−40, 40] reach double precision). @example normalQuantile(0.975) // 1.959964 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 80 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
