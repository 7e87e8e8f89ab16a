/*
 * Sequential probability ratio tests (Wald, "Sequential tests of statistical hypotheses", Ann. Math.
 * Statist. 16, 1945) for comparing the rate of an event — a failed request, a request slower than the
 * SLO — between the canary and the stable version, and for a canary's own rate.
 *
 * Comparing two versions. In every slice of time (between two scrapes) the canary answered n₁
 * requests, m₁ of them failed, the stable version n₂ and m₂. Given the slice's total m = m₁ + m₂,
 * m₁ follows Fisher's noncentral hypergeometric distribution
 *
 *     P_ψ(m₁ = x | n₁, n₂, m) = C(n₁,x)·C(n₂,m−x)·ψˣ / Σᵤ C(n₁,u)·C(n₂,m−u)·ψᵘ,
 *
 * whose only parameter is the odds ratio ψ = (p₁/(1−p₁)) / (p₂/(1−p₂)): the stable version's own
 * rate p₂ drops out, and the traffic split may change from slice to slice. For rare events ψ is the
 * ratio of the error ratios p₁/p₂ (at 0.5% and 1%, ψ = 2.01). The test weighs H0: ψ ≤ ψ₀ = 1 + tolerance
 * against H1: ψ ≥ ψ₁ (the regression that must be caught) with the likelihood ratio
 *
 *     Λ = Π over slices P_ψ₁(m₁) / P_ψ₀(m₁).
 *
 * Why it holds under continuous monitoring: under ψ = ψ₀ every factor has expectation 1, so Λ is a
 * nonnegative martingale; for ψ < ψ₀ it is a supermartingale (the family has a monotone likelihood
 * ratio and the factor grows with m₁). Ville's inequality, P(sup_t Λ_t ≥ 1/α) ≤ α, then bounds the
 * chance that Λ *ever* reaches 1/α — however often it is looked at and whenever the rollout stops.
 * Symmetrically 1/Λ is a supermartingale when ψ ≥ ψ₁, so P(ever Λ ≤ β) ≤ β. Hence:
 *
 *     fail when log Λ ≥ log(1/α)   (P(fail | ψ ≤ ψ₀) ≤ α: the false-rollback rate)
 *     pass when log Λ ≤ log β      (P(pass | ψ ≥ ψ₁) ≤ β: the missed-regression rate)
 *
 * These are Wald's boundaries in their always-valid form (Wald's A = (1−β)/α is a little tighter and
 * only approximate). 1 / max_t Λ_t is an always-valid p-value in the sense of Johari, Koomen, Pekelis
 * & Walsh ("Always valid inference", Operations Research 70(3), 2022), and the same Ville argument
 * builds the confidence sequences of Howard, Ramdas, McAuliffe & Sekhon ("Time-uniform, nonparametric,
 * nonasymptotic confidence sequences", Ann. Statist. 49(2), 2021). Conditioning on each slice's events
 * follows the binomial MaxSPRT of Kulldorff et al. (Sequential Analysis 30(1), 2011), made exact for
 * Bernoulli requests by the hypergeometric.
 *
 * A canary's own rate. With n requests and m events, the canary-only ratio of "rate p_good" against
 * "rate p_bad" is m·log(p_good/p_bad) + (n−m)·log((1−p_good)/(1−p_bad)); for any rate ≥ p_bad it is a
 * supermartingale, so reaching log(1/β) passes a canary whose rate is ≥ p_bad with probability ≤ β.
 */

/** Log-likelihood-ratio boundaries: fail at or above `fail`, pass at or below `pass`. */
export interface SprtBoundaries {
  readonly fail: number;
  readonly pass: number;
}

/**
 * The always-valid boundaries for false-fail rate `alpha` and false-pass rate `beta`.
 * @example sprtBoundaries(0.05, 0.2) // { fail: 2.9957 (log 20), pass: −1.6094 (log 0.2) }
 */
export function sprtBoundaries(alpha: number, beta: number): SprtBoundaries {
  checkRate('alpha', alpha);
  checkRate('beta', beta);
  return Object.freeze({ fail: Math.log(1 / alpha), pass: Math.log(beta) });
}

/**
 * log P_ψ₁(x) / P_ψ₀(x) for x canary events among m in a slice where the canary answered n₁ requests
 * and the stable version n₂ (Fisher's noncentral hypergeometric). 0 when the slice cannot tell.
 * @example sliceLogLikelihoodRatio(1, 1, 1, 1, 1, 2) // log(4/3): P₂(1) = 2/3 against P₁(1) = 1/2
 */
export function sliceLogLikelihoodRatio(
  x: number,
  n1: number,
  n2: number,
  m: number,
  psi0: number,
  psi1: number,
): number {
  const lo = Math.max(0, m - n2);
  const hi = Math.min(n1, m);
  if (!(x >= lo && x <= hi)) {
    throw new RangeError(`impossible slice: ${x} of ${m} events on ${n1} canary and ${n2} stable requests`);
  }
  if (lo === hi) return 0;
  const log0 = Math.log(psi0);
  const log1 = Math.log(psi1);
  // log C(n₁,u)C(n₂,m−u) relative to u = lo, by the ratio of consecutive terms
  let logC = 0;
  let max0 = -Infinity;
  let max1 = -Infinity;
  const terms: number[] = [];
  for (let u = lo; u <= hi; u++) {
    if (u > lo) logC += Math.log(((n1 - u + 1) * (m - u + 1)) / (u * (n2 - m + u)));
    terms.push(logC);
    max0 = Math.max(max0, logC + u * log0);
    max1 = Math.max(max1, logC + u * log1);
  }
  let sum0 = 0;
  let sum1 = 0;
  for (let i = 0; i < terms.length; i++) {
    const u = lo + i;
    sum0 += Math.exp((terms[i] as number) + u * log0 - max0);
    sum1 += Math.exp((terms[i] as number) + u * log1 - max1);
  }
  const logZ0 = max0 + Math.log(sum0);
  const logZ1 = max1 + Math.log(sum1);
  return x * (log1 - log0) + logZ0 - logZ1;
}

/**
 * log of the canary-only likelihood ratio of rate `good` against rate `bad` for `events` among `trials`.
 * @example rateLogLikelihoodRatio(0, 1000, 0.0025, 0.005) // 1000·log(0.9975/0.995) ≈ 2.51
 */
export function rateLogLikelihoodRatio(events: number, trials: number, good: number, bad: number): number {
  return events * Math.log(good / bad) + (trials - events) * Math.log((1 - good) / (1 - bad));
}

function checkRate(name: string, value: number): void {
  if (!(value > 0 && value < 1)) throw new RangeError(`${name} must be in (0, 1), got ${value}`);
}
