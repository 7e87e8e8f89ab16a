/*
 * Why judges-watch.ts no longer calls a regression "ideal-detectable" when an oracle that knows
 * stable's TRUE error ratio detects it (its definition until December 2026): no judge can know that
 * ratio, and this computes exactly how far that oracle outruns any real test. judges-watch.ts now
 * uses the exact conditional test a system could run if told the onset.
 *
 * The ceiling on "≥ 99% of oracle-detectable regressions caught" at low canary rates, computed
 * exactly (no simulation): how often the strongest test a judge could run would reject, against how
 * often the aim's oracle does. Same traffic and regressions as judges-watch.ts (0.5% errors, 25% of
 * the traffic to the canary, a 600 s window, 3× from the start or 5× from 240 s; binomial counts at
 * their expected request numbers). See bench/judges.md.
 *
 * - oracle (the aim's "ideal-detectable"): told the onset and stable's TRUE ratio p0, one look at the
 *   end, rejects when z = (X − n·p0) / √(n·p0·(1 − p0)) ≥ z(0.995), X the canary's errors after onset.
 * - best comparison: told the onset, one look at the end, at the judge's full α = 0.005, but it must
 *   learn p0 from the data (stable's whole window plus the canary's requests before the onset), at
 *   tolerance 0 — more generous than the declared 0.5. It is the randomized conditional binomial
 *   test, uniformly most powerful among unbiased level-α tests of "canary ratio ≤ stable's".
 *
 * - the same at the tolerance the judges of judges-watch.ts declare (0.5: H0 "the canary's ratio is at
 *   most 1.5× stable's"), the ceiling for a judge configured as there.
 *
 * Any judge whose false-rollback rate is ≤ α whatever stable's ratio catches a regression with
 * probability at most the best comparison's power (for unbiased tests), so the share of oracle
 * detections it can catch is at most power(best) / power(oracle).
 *
 *   node bench/judges-ceiling.ts
 */
import { normalQuantile } from '../src/analysis/judges/normal.ts';

const ALPHA = 0.005;
const P0 = 0.005;
const WEIGHT = 0.25;
const HORIZON = 600;
const ONSET = 240;
const Z = normalQuantile(1 - ALPHA);

/** log of C(n, k). */
function logChoose(n: number, k: number): number {
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

/** Lanczos log-gamma. */
function lgamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  x -= 1;
  let a = c[0] as number;
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += (c[i] as number) / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function pmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return 0;
  if (p === 0) return k === 0 ? 1 : 0;
  return Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/** The counts worth summing over: P(Bin(n, p) > top) < 1e-13. */
function top(n: number, p: number): number {
  const mean = n * p;
  return Math.min(n, Math.ceil(mean + 12 * Math.sqrt(mean + 1) + 20));
}

/** P(reject) of the oracle: X ~ Bin(n, ratio·p0), reject when its z against the true p0 ≥ Z. */
function oraclePower(n: number, ratio: number): number {
  const cut = n * P0 + Z * Math.sqrt(n * P0 * (1 - P0));
  let power = 0;
  for (let x = Math.ceil(cut - 1e-9); x <= top(n, ratio * P0); x++) power += pmf(x, n, ratio * P0);
  return power;
}

/**
 * P(reject) of the randomized conditional test: given m = X + Y errors in all, X ~ Bin(m, share)
 * under "the canary's ratio equals stable's", share = n / (n + ns); reject the upper α tail.
 */
function bestPower(n: number, ns: number, ratio: number, psi0 = 1): number {
  const share = (psi0 * n) / (psi0 * n + ns);
  const px = ratio * P0;
  const xs = top(n, px);
  const ys = top(ns, P0);
  const rejectProbability = new Map<string, number>();
  const phi = (x: number, m: number): number => {
    const key = `${x},${m}`;
    const known = rejectProbability.get(key);
    if (known !== undefined) return known;
    // critical c: smallest with P(X ≥ c | m) ≤ α; at c − 1 reject with the probability spending the rest
    let tail = 0;
    let c = m + 1;
    while (c - 1 >= 0 && tail + pmf(c - 1, m, share) <= ALPHA) {
      c--;
      tail += pmf(c, m, share);
    }
    const gamma = c - 1 >= 0 ? (ALPHA - tail) / pmf(c - 1, m, share) : 0;
    const value = x >= c ? 1 : x === c - 1 ? gamma : 0;
    rejectProbability.set(key, value);
    return value;
  };
  let power = 0;
  for (let x = 0; x <= xs; x++) {
    const fx = pmf(x, n, px);
    if (fx < 1e-16) continue;
    for (let y = 0; y <= ys; y++) power += fx * pmf(y, ns, P0) * phi(x, x + y);
  }
  return power;
}

interface Cell {
  readonly rate: number;
  readonly scenario: string;
  readonly ratio: number;
  readonly onset: number;
}

const cells: Cell[] = [];
for (const rate of [0.5, 5]) {
  cells.push({ rate, scenario: 'errors 3× from the start', ratio: 3, onset: 0 });
  cells.push({ rate, scenario: 'errors 5× at 240 s', ratio: 5, onset: ONSET });
}

console.log(
  `# Ceiling on catching "ideal-detectable" error regressions (α ${ALPHA}, stable ${100 * P0}% errors, ` +
    `${HORIZON} s window, canary ${100 * WEIGHT}% of the traffic)`,
);
console.log();
console.log(
  '| canary req/s | scenario | canary reqs after onset | reqs that inform p0 | oracle size (healthy) | best size (healthy) | oracle power | best comparison power | ceiling: best / oracle | best power at tolerance 0.5 | ceiling at tolerance 0.5 |',
);
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const c of cells) {
  const n = Math.round(c.rate * (HORIZON - c.onset));
  const ns = Math.round((c.rate * HORIZON * (1 - WEIGHT)) / WEIGHT + c.rate * c.onset);
  const size = oraclePower(n, 1);
  const oracle = oraclePower(n, c.ratio);
  const best = bestPower(n, ns, c.ratio);
  const bestSize = bestPower(n, ns, 1);
  const declared = bestPower(n, ns, c.ratio, 1.5);
  const pc = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(
    `| ${c.rate} | ${c.scenario} | ${n} | ${ns} | ${pc(size)} | ${pc(bestSize)} | ${pc(oracle)} | ${pc(best)} | ${pc(Math.min(1, best / oracle))} | ${pc(declared)} | ${pc(Math.min(1, declared / oracle))} |`,
  );
}
