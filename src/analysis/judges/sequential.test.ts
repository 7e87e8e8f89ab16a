import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { judgeContract } from './judge.contract.ts';
import type { Judge, LatencyBucket, WindowObservations } from './judge.ts';
import { sequentialErrorJudge, sequentialLatencyJudge } from './sequential.ts';
import { counters, HEALTHY, TrafficSimulator } from './traffic.fixture.ts';
import type { VersionProfile } from './traffic.fixture.ts';

const T0 = new Date('2026-03-10T10:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

judgeContract('sequential errors', () => sequentialErrorJudge());
judgeContract('sequential latency', () => sequentialLatencyJudge({ thresholdSeconds: 0.5 }));

interface Run {
  seed: number;
  requestsPerSecond: number;
  canary: VersionProfile;
  stable?: VersionProfile;
  seconds: number;
  raw?: boolean;
}

/** Asks `judge` every second, as a rollout controller would; the first pass or fail and when. */
function monitor(judge: Judge, run: Run): { decision: string; seconds: number } {
  const sim = new TrafficSimulator({
    seed: run.seed,
    startedAt: T0,
    requestsPerSecond: run.requestsPerSecond,
    canaryWeight: 0.1,
    canary: run.canary,
    stable: run.stable ?? run.canary,
    rawLatencies: run.raw ?? false,
  });
  for (let s = 1; s <= run.seconds; s++) {
    sim.advance(1);
    const v = judge.decide(sim.observations, sim.now);
    if (v.decision !== 'continue') return { decision: v.decision, seconds: s };
  }
  return { decision: 'continue', seconds: run.seconds };
}

/** A fixed-sample one-sided two-proportion z-test at level α, peeked at every second: what not to do. */
function peeking(run: Run, z: number): boolean {
  const sim = new TrafficSimulator({
    seed: run.seed,
    startedAt: T0,
    requestsPerSecond: run.requestsPerSecond,
    canaryWeight: 0.1,
    canary: run.canary,
    stable: run.canary,
  });
  for (let s = 1; s <= run.seconds; s++) {
    sim.advance(1);
    const c = sim.observations.canary[s];
    const st = sim.observations.stable[s];
    if (!c || !st || c.requests === 0 || st.requests === 0) continue;
    const pooled = (c.errors + st.errors) / (c.requests + st.requests);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / c.requests + 1 / st.requests));
    if (se > 0 && (c.errors / c.requests - st.errors / st.requests) / se > z) return true;
  }
  return false;
}

describe('sequential error judge', () => {
  it('keeps false rollbacks ≤ α when asked every second (seeded Monte Carlo)', () => {
    // No pass boundary within reach (β = 1e-300), so every run is watched for the whole 4 minutes:
    // the worst case for a test that is peeked at. 20% errors on both versions, 4 req/s on the canary.
    const alpha = 0.05;
    const runs = 400;
    let fails = 0;
    let peeks = 0;
    for (let seed = 1; seed <= runs; seed++) {
      const run = { seed, requestsPerSecond: 40, canary: { ...HEALTHY, errorRatio: 0.2 }, seconds: 240 };
      if (monitor(sequentialErrorJudge({ alpha, beta: 1e-300 }), run).decision === 'fail') fails++;
      if (peeking(run, 1.6448536269514722)) peeks++;
    }
    assert.ok(fails / runs <= alpha, `false rollbacks ${fails}/${runs}`);
    // the same data, judged by a fixed-sample test at level α at every scrape, fails far more often
    assert.ok(peeks / runs > 4 * alpha, `peeking ${peeks}/${runs}`);
  });

  it('catches a 2× error ratio (0.5% → 1%) at 500 req/s, missing at most β of them, in about a minute', () => {
    // β = 0.01 bounds the chance of passing a canary 2× worse than stable; 1 miss in 60 runs is allowed
    const seconds: number[] = [];
    let missed = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const r = monitor(sequentialErrorJudge({ alpha: 0.005, beta: 0.01 }), {
        seed,
        requestsPerSecond: 500,
        canary: { ...HEALTHY, errorRatio: 0.01 },
        stable: HEALTHY,
        seconds: 600,
      });
      if (r.decision === 'fail') seconds.push(r.seconds);
      else missed++;
    }
    assert.ok(missed <= 1, `missed ${missed} of 60`);
    seconds.sort((a, b) => a - b);
    assert.ok((seconds[seconds.length >> 1] as number) <= 90, `median ${seconds[seconds.length >> 1]}s`);
  });

  it('passes a healthy canary at 500 req/s', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = monitor(sequentialErrorJudge({ alpha: 0.005, beta: 0.01 }), {
        seed,
        requestsPerSecond: 500,
        canary: HEALTHY,
        seconds: 900,
      });
      assert.equal(r.decision, 'pass', `seed ${seed}`);
    }
  });

  it('waits, and does not pass, with too little traffic', () => {
    // 5 req/s, 0.5 on the canary: a minute is ~30 canary requests and a fraction of one error
    const judge = sequentialErrorJudge();
    const r = monitor(judge, { seed: 9, requestsPerSecond: 5, canary: HEALTHY, seconds: 60 });
    assert.equal(r.decision, 'continue');
  });

  it('says why it waits: no canary traffic, too few canary requests, or no evidence yet', () => {
    const judge = sequentialErrorJudge({ minCanaryTrials: 100 });
    const none: WindowObservations = {
      startedAt: T0,
      canary: counters(T0, [
        [0, 0, 0],
        [10, 0, 0],
      ]),
      stable: counters(T0, [
        [0, 0, 0],
        [10, 900, 9],
      ]),
    };
    assert.match(judge.decide(none, at(10)).reason, /the canary has served no requests/);
    // the canary is far better than stable (log LR well below the pass boundary) but has only 50 requests
    const few: WindowObservations = {
      startedAt: T0,
      canary: counters(T0, [
        [0, 0, 0],
        [10, 50, 0],
        [20, 150, 0],
      ]),
      stable: counters(T0, [
        [0, 0, 0],
        [10, 50_000, 5000],
        [20, 150_000, 15_000],
      ]),
    };
    const early = judge.decide(few, at(10));
    assert.equal(early.decision, 'continue');
    assert.match(early.reason, /too little traffic: 50 of 100 canary requests/);
    assert.ok((early.statistic as number) < Math.log(0.01));
    const later = judge.decide(few, at(20));
    assert.equal(later.decision, 'pass');
    assert.equal((later.evidence as { decidedAt: string }).decidedAt, at(20).toISOString());
  });

  it('keeps its first decision: a rollback is not undone by good samples after it', () => {
    const judge = sequentialErrorJudge({ alpha: 0.01 });
    const rows = (canaryErrors: number[]) =>
      counters(
        T0,
        canaryErrors.map((e, i) => [i * 10, i * 1000, e] as const),
      );
    const o: WindowObservations = {
      startedAt: T0,
      canary: rows([0, 100, 100, 100, 100]),
      stable: counters(
        T0,
        [0, 1, 2, 3, 4].map((i) => [i * 10, i * 9000, i * 45] as const),
      ),
    };
    const v = judge.decide(o, at(10));
    assert.equal(v.decision, 'fail');
    assert.deepEqual(judge.decide(o, at(40)), v);
    assert.deepEqual(sequentialErrorJudge({ alpha: 0.01 }).decide(o, at(40)), v);
  });

  it('passes a canary inside an absolute error ratio when versions have too few errors to compare', () => {
    const o: WindowObservations = {
      startedAt: T0,
      canary: counters(
        T0,
        [0, 1, 2, 3, 4, 5].map((i) => [i * 60, i * 600, 0] as const),
      ),
      stable: counters(
        T0,
        [0, 1, 2, 3, 4, 5].map((i) => [i * 60, i * 5400, 0] as const),
      ),
    };
    assert.equal(sequentialErrorJudge().decide(o, at(300)).decision, 'continue');
    // rate 0.25% against 0.5%: log LR grows by log(0.9975/0.995) per clean request; log(100) after 1843
    const judge = sequentialErrorJudge({ acceptBelow: 0.005, beta: 0.01 });
    assert.equal(judge.decide(o, at(180)).decision, 'continue');
    const v = judge.decide(o, at(240));
    assert.equal(v.decision, 'pass');
    assert.match(v.reason, /below 0\.50% with confidence 0\.99/);
  });

  it('refuses hypotheses that cannot be told apart', () => {
    assert.throws(
      () => sequentialErrorJudge({ tolerance: 0.5, regression: 1.5 }),
      /regression must exceed 1 \+ tolerance/,
    );
    assert.throws(() => sequentialErrorJudge({ alpha: 0 }), /alpha must be in \(0, 1\)/);
    assert.throws(() => sequentialErrorJudge({ acceptBelow: 2 }), /acceptBelow must be a rate/);
  });
});

describe('sequential latency judge', () => {
  it('catches +30% latency within seconds at 500 req/s, from histograms and from raw samples alike', () => {
    for (const raw of [false, true]) {
      const r = monitor(sequentialLatencyJudge({ thresholdSeconds: 0.5, alpha: 0.005 }), {
        seed: 3,
        requestsPerSecond: 500,
        canary: { ...HEALTHY, latencyMedian: HEALTHY.latencyMedian * 1.3 },
        stable: HEALTHY,
        seconds: 120,
        raw,
      });
      assert.equal(r.decision, 'fail');
      assert.ok(r.seconds <= 30, `${r.seconds}s`);
    }
  });

  it('gives the same verdict from the histogram and from the raw samples of the same requests', () => {
    const bounds = [0.1, 0.25, 0.5, 1];
    const sim = new TrafficSimulator({
      seed: 11,
      startedAt: T0,
      requestsPerSecond: 200,
      canaryWeight: 0.1,
      canary: HEALTHY,
      stable: HEALTHY,
      buckets: bounds,
      rawLatencies: true,
    });
    sim.advance(120);
    const strip = (withBuckets: boolean): WindowObservations => ({
      startedAt: T0,
      canary: sim.observations.canary.map((s) =>
        withBuckets ? { ...s, latencySamples: undefined } : { ...s, latencyBuckets: undefined },
      ),
      stable: sim.observations.stable.map((s) =>
        withBuckets ? { ...s, latencySamples: undefined } : { ...s, latencyBuckets: undefined },
      ),
    });
    const judge = () => sequentialLatencyJudge({ thresholdSeconds: 0.5 });
    for (const s of [30, 60, 120]) {
      const fromBuckets = judge().decide(strip(true), at(s));
      const fromSamples = judge().decide(strip(false), at(s));
      assert.equal(fromBuckets.statistic, fromSamples.statistic);
      assert.equal(fromBuckets.decision, fromSamples.decision);
    }
  });

  it('waits with a reason when the histogram has no bucket at the threshold', () => {
    const buckets: LatencyBucket[] = [
      { le: 0.25, count: 90 },
      { le: 1, count: 100 },
      { le: Infinity, count: 100 },
    ];
    const series = counters(T0, [
      [0, 0, 0, []],
      [10, 100, 0, buckets],
    ]);
    const v = sequentialLatencyJudge({ thresholdSeconds: 0.5 }).decide(
      { startedAt: T0, canary: series, stable: series },
      at(10),
    );
    assert.equal(v.decision, 'continue');
    assert.match(v.reason, /no bucket le=0.5/);
  });
});
