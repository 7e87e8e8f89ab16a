import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildJudge, type JudgeConfig } from '../judge-metric.ts';
import type { VersionSample, WindowObservations } from './judge.ts';
import { Random } from './traffic.fixture.ts';

const T0 = new Date('2026-03-10T10:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

/** `seconds` of `n` canary and 3n stable requests a second; stable fails 1%, the canary `ratio(s)`. */
function series(seconds: number, n: number, ratio: (s: number) => number): WindowObservations {
  const canary: VersionSample[] = [];
  const stable: VersionSample[] = [];
  let errors = 0;
  for (let s = 0; s <= seconds; s++) {
    if (s > 0) errors += n * ratio(s);
    canary.push({ at: at(s), requests: n * s, errors: Math.round(errors) });
    stable.push({ at: at(s), requests: 3 * n * s, errors: Math.round(0.03 * n * s) });
  }
  return { startedAt: T0, canary, stable };
}

/** β 0.01 (not the default 0.001) so that the healthy stretch passes, and passes again, sooner. */
const CONFIG: JudgeConfig = {
  kind: 'sequential-errors',
  beta: 0.01,
  tolerance: 0.5,
  regression: 3,
  alpha: 0.01,
  minCanaryTrials: 50,
};

/** Asks a fresh judge every second up to `end`, the last time with `endsAt` set; the last verdict. */
function judgeWindow(o: WindowObservations, end: number, config = CONFIG) {
  const judge = buildJudge(config, { bounded: true });
  let before = judge.decide(o, at(1));
  for (let s = 2; s < end && before.decision !== 'fail'; s++) before = judge.decide(o, at(s));
  return { before, last: judge.decide({ ...o, endsAt: at(end) }, at(end)) };
}

describe('the final look at the window’s end', () => {
  it('fails a regression the sequential tests leave undecided, on the whole window', () => {
    const { before, last } = judgeWindow(
      series(300, 10, () => 0.025),
      300,
    );
    assert.equal(before.decision, 'continue', before.reason);
    assert.equal(last.decision, 'fail');
    assert.match(
      last.reason,
      /^at the window's end, canary error ratio 2\.50% of 3000 against stable 1\.00% of 9000 over the window: the final look's exact test finds it more than 1\.5× stable's \(p = 0\.00064 ≤ α = 0\.0025\)$/,
    );
  });

  it('fails a regression that began after a pass on the span since the pass, where the whole window hides it', () => {
    const { before, last } = judgeWindow(
      series(300, 10, (s) => (s <= 230 ? 0.01 : 0.045)),
      300,
    );
    assert.equal(before.decision, 'continue', before.reason);
    assert.equal(last.decision, 'fail', last.reason);
    assert.match(last.reason, /since the pass at 2026-03-10T10:03:22\.000Z: the final look's exact test/);
    const tests = (last.evidence['finalLook'] as { tests: { span: string; pValue: number; alpha: number }[] })
      .tests;
    assert.equal(tests[0]?.span, 'over the window');
    assert.ok((tests[0]?.pValue ?? 0) > (tests[0]?.alpha ?? 1), 'the whole window alone does not reject');
  });

  it('leaves a healthy canary’s pass standing, with the look’s p-values in the reason and evidence', () => {
    const { before, last } = judgeWindow(
      series(300, 10, () => 0.01),
      300,
    );
    assert.equal(before.decision, 'pass');
    assert.equal(last.decision, 'pass');
    assert.match(
      last.reason,
      /; final look: over the window p = 0\.\d+ > α = 0\.0025, since the pass at .* p = /,
    );
    assert.ok(last.evidence['finalLook']);
  });

  it('looks only once the window has ended: not before endsAt, not without one, not in an unbounded window', () => {
    const o = series(300, 10, () => 0.025);
    const judge = buildJudge(CONFIG, { bounded: true });
    assert.equal(judge.decide({ ...o, endsAt: at(300) }, at(299)).decision, 'continue');
    assert.equal(judge.decide(o, at(300)).decision, 'continue');
    const background = buildJudge(CONFIG);
    assert.equal(background.decide({ ...o, endsAt: at(300) }, at(300)).decision, 'continue');
  });

  it('the latency judge looks at the share of slow requests the same way, even after a pass', () => {
    const buckets = (requests: number, slow: number) => [
      { le: 0.05, count: requests - slow },
      { le: Infinity, count: requests },
    ];
    const o = series(300, 10, () => 0);
    const slow = (s: VersionSample, share: number): VersionSample => ({
      ...s,
      latencyBuckets: buckets(s.requests, Math.round(s.requests * share)),
    });
    const observations = {
      ...o,
      canary: o.canary.map((s) => slow(s, 0.125)),
      stable: o.stable.map((s) => slow(s, 0.05)),
    };
    const { before, last } = judgeWindow(observations, 300, {
      ...CONFIG,
      kind: 'sequential-latency',
      thresholdSeconds: 0.05,
      tolerance: 1,
      regression: 4,
    });
    assert.equal(before.decision, 'pass', 'a 2.5× share passes the test of 2× against 4×');
    assert.equal(last.decision, 'fail', last.reason);
    assert.match(
      last.reason,
      /canary share slower than 0\.05s 12\.50% of 3000 against stable 5\.00% of 9000/,
    );
  });
});

describe('the false-rollback rate of a whole window, final look included', () => {
  it('stays within alpha for a canary right at the tolerance, asked every second (simulation)', () => {
    // stable fails 2%; the canary's odds are exactly 1.5× stable's, the edge of "healthy"
    const stableRatio = 0.02;
    const odds = (1 + 0.5) * (stableRatio / (1 - stableRatio));
    const canaryRatio = odds / (1 + odds);
    const alpha = 0.05;
    const runs = 300;
    const seconds = 120;
    let fails = 0;
    let finalFails = 0;
    for (let run = 0; run < runs; run++) {
      const random = new Random(7919 * run + 1);
      const canary: VersionSample[] = [{ at: T0, requests: 0, errors: 0 }];
      const stable: VersionSample[] = [{ at: T0, requests: 0, errors: 0 }];
      const judge = buildJudge({ ...CONFIG, alpha }, { bounded: true });
      for (let s = 1; s <= seconds; s++) {
        const grow = (series: VersionSample[], rate: number, ratio: number) => {
          const last = series.at(-1) as VersionSample;
          const n = random.poisson(rate);
          let e = 0;
          for (let i = 0; i < n; i++) if (random.next() < ratio) e++;
          series.push({ at: at(s), requests: last.requests + n, errors: last.errors + e });
        };
        grow(canary, 10, canaryRatio);
        grow(stable, 30, stableRatio);
        const o = { startedAt: T0, canary, stable, ...(s === seconds && { endsAt: at(s) }) };
        const v = judge.decide(o, at(s));
        if (v.decision === 'fail') {
          fails++;
          if (v.evidence['finalLook']) finalFails++;
          break;
        }
      }
    }
    // the bound is alpha; allow the Monte-Carlo error of 300 windows (2.33 standard errors)
    const slack = 2.33 * Math.sqrt((alpha * (1 - alpha)) / runs);
    assert.ok(
      fails / runs <= alpha + slack,
      `${fails} of ${runs} rolled back (${finalFails} by the final look)`,
    );
  });
});
