import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { plannedDurationMs, PRESETS, preset, slow, tier1, tier2 } from './presets.ts';
import { Driver, MIN, SEC, T0, at, rolloutOf, types, weights } from './rollout.fixture.ts';
import type { CanaryStrategy } from './strategy.ts';

interface Row {
  minute: number;
  percent: number;
  check?: string;
}

/** CompanyOS seed, "Traffic Progression". */
const TIER1_TIMELINE: Row[] = [
  { minute: 0, percent: 1, check: 'smoke-check' },
  { minute: 1, percent: 10, check: 'slo-burn-check' },
  { minute: 6, percent: 25, check: 'synthetic-check' },
  { minute: 16, percent: 50 },
  { minute: 31, percent: 100 },
];
const TIER2_TIMELINE: Row[] = [
  { minute: 0, percent: 10, check: 'health-check' },
  { minute: 2, percent: 50, check: 'slo-burn-check' },
  { minute: 5, percent: 100 },
];

/** Walks a preset along a seed timeline, with analyses that pass at once; returns the driver. */
function walk(strategy: CanaryStrategy, timeline: Row[]): Driver {
  // the new version's instances take 30 s to become ready
  const d = new Driver(rolloutOf(strategy, at(-30 * SEC)));
  const first = d.step(at(-30 * SEC), { canaryReadyInstances: 0 });
  assert.deepEqual(first.actions[0], { type: 'start-instances', version: 'v2', revision: 2, replicas: 2 });
  assert.deepEqual(weights(first.actions), []);

  timeline.forEach((row, i) => {
    const now = at(row.minute * MIN);
    const result = d.step(now);
    assert.deepEqual(weights(result.actions), [row.percent * 10], `weight at +${row.minute}m`);
    const started = result.actions.flatMap((a) => (a.type === 'start-analysis' ? [a.templates] : []));
    assert.deepEqual(started, row.check ? [[row.check]] : [], `analysis at +${row.minute}m`);
    const settled = row.check ? d.verdict(now, 'successful') : result;
    const next = timeline[i + 1];
    if (next) {
      assert.equal(d.state.phase, 'paused');
      assert.deepEqual(settled.nextAt, at(next.minute * MIN), `look again after +${row.minute}m`);
    }
  });
  return d;
}

describe('tier1 preset', () => {
  it('follows the seed: 1% at t0, 10% at +1m, 25% at +6m, 50% at +16m, 100% at +31m', () => {
    const d = walk(tier1(), TIER1_TIMELINE);
    assert.equal(d.state.phase, 'completed');
    assert.deepEqual(d.state.stable, { version: 'v2', revision: 2 });
    assert.equal(d.state.finishedAt, at(31 * MIN).toISOString());
  });

  it('completes with 100% first, then stops the old version after the 30 s scale-down delay', () => {
    const d = walk(tier1(), TIER1_TIMELINE.slice(0, 4));
    const done = d.step(at(31 * MIN));
    assert.deepEqual(done.actions.slice(0, 2), [
      { type: 'set-weight', canaryPerMille: 1000, stableVersion: 'v1', canaryVersion: 'v2' },
      { type: 'stop-instances', version: 'v1', at: at(31 * MIN + 30 * SEC) },
    ]);
    assert.deepEqual(types(done.actions), ['set-weight', 'stop-instances', 'notify']);
    assert.deepEqual(done.nextAt, at(31 * MIN + 30 * SEC));

    assert.deepEqual(d.step(at(31 * MIN + 29 * SEC)).actions, []);
    const stop = d.step(at(31 * MIN + 30 * SEC));
    assert.deepEqual(stop.actions, [{ type: 'stop-instances', version: 'v1' }]);
    assert.equal(stop.nextAt, undefined);
  });

  it('does not move during a pause, and says when it looks again', () => {
    const d = walk(tier1(), TIER1_TIMELINE.slice(0, 2));
    const waiting = d.step(at(5 * MIN + 59 * SEC));
    assert.deepEqual(waiting.actions, []);
    assert.deepEqual(waiting.nextAt, at(6 * MIN));
    assert.equal(d.state.weight, 100);
  });

  it('an analysis that takes time adds to the timeline', () => {
    const d = new Driver(rolloutOf(tier1()));
    d.step(T0);
    d.step(at(40 * SEC));
    const passed = d.verdict(at(40 * SEC), 'successful');
    assert.deepEqual(passed.nextAt, at(MIN + 40 * SEC));
  });
});

describe('tier2 preset', () => {
  it('follows the seed: 10% at t0, 50% at +2m, 100% at +5m', () => {
    const d = walk(tier2(), TIER2_TIMELINE);
    assert.equal(d.state.phase, 'completed');
  });
});

describe('preset', () => {
  it('answers to the release gate strategy names', () => {
    assert.deepEqual(preset('tier1-progressive'), tier1());
    assert.deepEqual(preset('tier2-standard'), tier2());
    assert.deepEqual(preset('slow'), slow());
    assert.deepEqual(Object.keys(PRESETS), ['tier1', 'tier2', 'slow', 'tier1-progressive', 'tier2-standard']);
  });

  it('plans the seed timelines: tier 1 takes 31 minutes, tier 2 five, slow 80', () => {
    assert.equal(plannedDurationMs(tier1()), 31 * 60_000);
    assert.equal(plannedDurationMs(tier2()), 5 * 60_000);
    assert.equal(plannedDurationMs(slow()), 80 * 60_000);
  });

  it('an unknown name lists the valid ones', () => {
    assert.throws(() => preset('fast'), {
      message:
        'unknown rollout preset "fast"; valid presets: tier1, tier2, slow, tier1-progressive, tier2-standard',
    });
  });

  it('takes options, validated like any strategy', () => {
    const strategy = tier1({ scaleDownDelayMs: 0, backgroundAnalysis: { templates: ['slo-burn-check'] } });
    assert.equal(strategy.scaleDownDelayMs, 0);
    assert.deepEqual(strategy.backgroundAnalysis, { templates: ['slo-burn-check'], startingStep: 0 });
    assert.throws(
      () => tier2({ progressDeadlineMs: 0 }),
      /canary\.progressDeadlineMs: must be an integer from 1/,
    );
  });
});
