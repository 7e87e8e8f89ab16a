/*
 * The exact conditional test of two rates (Fisher's exact test, generalised to an odds ratio ψ₀).
 * The canary answered n₁ requests and the stable version n₂, with m events (failures, slow requests)
 * between them; given m, the canary's count x follows Fisher's noncentral hypergeometric
 * distribution with odds ratio ψ (sprt.ts has the formula). Its upper tail at ψ₀ is the one-sided
 * p-value of H0 "the canary's odds are at most ψ₀ × stable's": exact for every stable rate (it drops
 * out), and, the family having a monotone likelihood ratio, of level α for every ψ ≤ ψ₀.
 */

/**
 * P(X ≥ x) for X ~ FNCHG(n₁, n₂, m, ψ): the one-sided p-value of x canary events among m.
 * @example fisherUpperTail(3, 4, 4, 4, 1) // 17/70 ≈ 0.243 (Fisher's lady tasting tea)
 */
export function fisherUpperTail(x: number, n1: number, n2: number, m: number, psi: number): number {
  const lo = Math.max(0, m - n2);
  const hi = Math.min(n1, m);
  if (!(x >= lo && x <= hi)) {
    throw new RangeError(`impossible counts: ${x} of ${m} events on ${n1} canary and ${n2} stable requests`);
  }
  if (!(psi > 0 && Number.isFinite(psi))) throw new RangeError(`psi must be a positive number, got ${psi}`);
  const logPsi = Math.log(psi);
  // log C(n₁,u)·C(n₂,m−u)·ψᵘ relative to u = lo, by the ratio of consecutive terms
  const terms: number[] = [];
  let log = 0;
  let max = 0;
  for (let u = lo; u <= hi; u++) {
    if (u > lo) log += Math.log(((n1 - u + 1) * (m - u + 1)) / (u * (n2 - m + u))) + logPsi;
    terms.push(log);
    if (log > max) max = log;
  }
  let all = 0;
  let tail = 0;
  for (let i = terms.length - 1; i >= 0; i--) {
    const w = Math.exp((terms[i] as number) - max);
    all += w;
    if (lo + i >= x) tail += w;
  }
  return Math.min(1, tail / all);
}
