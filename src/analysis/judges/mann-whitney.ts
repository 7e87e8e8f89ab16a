/*
 * The Mann-Whitney U test (Wilcoxon rank-sum), on raw samples or on grouped data.
 *
 * Everything is computed on groups of equal values, ascending: a group holds `x` values of the first
 * sample (the canary) and `y` of the second (the stable version). Raw samples are sorted into such
 * groups; a histogram's buckets and a 0/1 error flag already are such groups, so U of a million
 * requests costs O(buckets) and needs no sort.
 *
 * - U = Σ over groups of x·(stable values below the group + y/2): the pairs where the canary is
 *   larger, ties counting ½. It equals R₁ − n₁(n₁+1)/2 with R₁ the canary's sum of mid-ranks.
 * - Under H0 (both samples from one distribution) E[U] = n₁n₂/2 and, with ties of sizes t,
 *   Var[U] = n₁n₂/12 · ((N+1) − Σ(t³−t) / (N(N−1))) (Lehmann, Nonparametrics, 1975, §1.4).
 * - p-value: normal approximation with continuity correction ½ (as R's wilcox.test and SciPy's
 *   mannwhitneyu); exact (Mann & Whitney 1947) when there are no ties and both samples have fewer
 *   than 50 values.
 * - Effect sizes: the common-language effect size CLES = U/(n₁n₂) = P(canary > stable) + ½P(tie)
 *   (McGraw & Wong 1992), and the rank-biserial correlation r = 2·CLES − 1 ∈ [−1, 1] (Kerby 2014).
 */
import { normalCdf, normalSf } from './normal.ts';

/** How many values of each sample fall in one group of equal values. */
export interface TiedGroup {
  /** Values of the first sample (the canary) in the group. */
  readonly x: number;
  /** Values of the second sample (the stable version) in the group. */
  readonly y: number;
}

/** `greater`: the first sample tends to be larger; `less`: smaller; `two-sided`: either. */
export type Alternative = 'greater' | 'less' | 'two-sided';

/** Options of the test. */
export interface MannWhitneyOptions {
  readonly alternative?: Alternative;
  /** Continuity correction of the normal approximation; on by default. */
  readonly continuity?: boolean;
  /** `auto` (default): exact when there are no ties and both samples have fewer than 50 values. */
  readonly method?: 'auto' | 'exact' | 'normal';
}

/** The outcome of one test, with the effect sizes that go with it. */
export interface MannWhitneyResult {
  readonly u: number;
  readonly n1: number;
  readonly n2: number;
  readonly pValue: number;
  /** The standardized statistic of the normal approximation (NaN for an exact p-value). */
  readonly z: number;
  readonly method: 'exact' | 'normal';
  readonly alternative: Alternative;
  /** U / (n₁n₂): probability that a canary value exceeds a stable one, ties counting half. */
  readonly cles: number;
  /** 2·CLES − 1: +1 when every canary value is larger, −1 when every one is smaller. */
  readonly rankBiserial: number;
}

const EXACT_BELOW = 50;

/** Mann-Whitney U on grouped data (ascending groups of equal values). */
export function mannWhitneyGrouped(groups: readonly TiedGroup[], options: MannWhitneyOptions = {}) {
  const alternative = options.alternative ?? 'two-sided';
  let n1 = 0;
  let n2 = 0;
  let u = 0;
  let ties = 0;
  let tied = false;
  for (const g of groups) {
    if (!(g.x >= 0 && g.y >= 0)) throw new RangeError(`group counts must be ≥ 0, got x=${g.x} y=${g.y}`);
    u += g.x * (n2 + g.y / 2);
    n1 += g.x;
    n2 += g.y;
    const t = g.x + g.y;
    if (t > 1) {
      tied = true;
      ties += t * (t - 1) * (t + 1);
    }
  }
  const pairs = n1 * n2;
  const cles = pairs > 0 ? u / pairs : 0.5;
  const base = { u, n1, n2, alternative, cles, rankBiserial: 2 * cles - 1 };
  if (pairs === 0) return Object.freeze({ ...base, pValue: 1, z: 0, method: 'normal' as const });
  const method = options.method ?? 'auto';
  const exact = method === 'exact' || (method === 'auto' && !tied && n1 < EXACT_BELOW && n2 < EXACT_BELOW);
  if (exact) {
    if (tied) throw new RangeError('the exact distribution of U needs samples without ties');
    return Object.freeze({
      ...base,
      pValue: exactPValue(u, n1, n2, alternative),
      z: NaN,
      method: 'exact' as const,
    });
  }
  const n = n1 + n2;
  const variance = (pairs / 12) * (n + 1 - ties / (n * (n - 1)));
  const { z, pValue } = normalPValue(
    u - pairs / 2,
    Math.sqrt(variance),
    alternative,
    options.continuity ?? true,
  );
  return Object.freeze({ ...base, pValue, z, method: 'normal' as const });
}

/**
 * Mann-Whitney U of two raw samples; NaN values are dropped.
 * @example mannWhitney([10, 11, 12], [1, 2, 3], { alternative: 'greater' }).pValue // 0.05 (exact)
 */
export function mannWhitney(
  x: readonly number[],
  y: readonly number[],
  options: MannWhitneyOptions = {},
): MannWhitneyResult {
  return mannWhitneyGrouped(groupSamples(x, y), options);
}

/** Sorts two samples into ascending groups of equal values. */
export function groupSamples(x: readonly number[], y: readonly number[]): TiedGroup[] {
  const a = Float64Array.from(x.filter((v) => !Number.isNaN(v))).sort();
  const b = Float64Array.from(y.filter((v) => !Number.isNaN(v))).sort();
  const groups: TiedGroup[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const v = Math.min(
      i < a.length ? (a[i] as number) : Infinity,
      j < b.length ? (b[j] as number) : Infinity,
    );
    let gx = 0;
    let gy = 0;
    for (; i < a.length && a[i] === v; i++) gx++;
    for (; j < b.length && b[j] === v; j++) gy++;
    groups.push({ x: gx, y: gy });
  }
  return groups;
}

function normalPValue(deviation: number, sigma: number, alternative: Alternative, continuity: boolean) {
  if (!(sigma > 0)) return { z: 0, pValue: 1 };
  const c = continuity ? 0.5 : 0;
  if (alternative === 'greater') {
    const z = (deviation - c) / sigma;
    return { z, pValue: normalSf(z) };
  }
  if (alternative === 'less') {
    const z = (deviation + c) / sigma;
    return { z, pValue: normalCdf(z) };
  }
  const z = Math.max(0, Math.abs(deviation) - c) / sigma;
  return { z: Math.sign(deviation) * z, pValue: Math.min(1, 2 * normalSf(z)) };
}

function exactPValue(u: number, n1: number, n2: number, alternative: Alternative): number {
  const dist = exactUDistribution(n1, n2);
  const atMost = (k: number) => {
    let p = 0;
    for (let i = 0; i <= k; i++) p += dist[i] as number;
    return Math.min(1, p);
  };
  // U is symmetric about n₁n₂/2, so both tails are summed from the small, exactly known end.
  const lower = atMost(u);
  const upper = atMost(n1 * n2 - u);
  if (alternative === 'less') return lower;
  if (alternative === 'greater') return upper;
  return Math.min(1, 2 * Math.min(lower, upper));
}

/**
 * P(U = u) for u = 0..mn with samples of m and n values and no ties. The counts are the coefficients
 * of the Gaussian binomial [m+n choose m]_q = Π_{j=1..m} (1 − q^(n+j)) / (1 − q^j); multiplying by
 * (1 − q^k) and dividing by (1 − q^j) are each one pass over the coefficients.
 */
export function exactUDistribution(m: number, n: number): Float64Array {
  if (!(Number.isInteger(m) && Number.isInteger(n) && m >= 0 && n >= 0)) {
    throw new RangeError(`sample sizes must be whole numbers ≥ 0, got ${m} and ${n}`);
  }
  const top = m * n;
  const c = new Float64Array(top + 1);
  c[0] = 1;
  for (let j = 1; j <= m; j++) {
    const k = n + j;
    for (let u = Math.min(top, j * n + j); u >= k; u--) c[u] = (c[u] as number) - (c[u - k] as number);
    for (let u = j; u <= top; u++) c[u] = (c[u] as number) + (c[u - j] as number);
  }
  let total = 0;
  for (const v of c) total += v;
  return c.map((v) => Math.max(0, v / total));
}
