import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Action } from './actions.ts';
import { COMMANDS } from './observations.ts';
import type { Observations } from './observations.ts';
import { pendingActions } from './pending.ts';
import { reconcile } from './reconcile.ts';
import { parseStrategy } from './resolve-strategy.ts';
import { MIN, T0, rolloutOf, weights } from './rollout.fixture.ts';
import type { AnalysisPhase, RolloutState } from './state.ts';
import type { Strategy } from './strategy.ts';

const abortOn = fc.record(
  {
    consecutiveHealthFailures: fc.integer({ min: 1, max: 4 }),
    crashLoop: fc.boolean(),
    progressDeadline: fc.boolean(),
  },
  { requiredKeys: [] },
);
const shared = {
  scaleDownDelayMs: fc.integer({ min: 0, max: MIN }),
  progressDeadlineMs: fc.integer({ min: 1, max: 20 * MIN }),
  abortOn,
};
const analysis = fc.constantFrom({ templates: ['a'] }, { templates: ['a', 'b'], failureLimit: 1 });
const step = fc.oneof(
  fc.integer({ min: 0, max: 1000 }).map((w) => ({ setWeight: w })),
  fc
    .option(fc.integer({ min: 0, max: 10 * MIN }), { nil: undefined })
    .map((ms) => ({ pause: ms === undefined ? {} : { durationMs: ms } })),
  analysis.map((a) => ({ analysis: a })),
);
const canary = fc.array(step, { minLength: 1, maxLength: 8 }).chain((steps) =>
  fc.record(
    {
      steps: fc.constant(steps),
      backgroundAnalysis: fc.record({
        templates: fc.constant(['bg']),
        startingStep: fc.nat(steps.length - 1),
      }),
      ...shared,
    },
    { requiredKeys: ['steps'] },
  ),
);
const blueGreen = fc.record(
  {
    prePromotionAnalysis: analysis,
    postPromotionAnalysis: analysis,
    autoPromotionDelayMs: fc.integer({ min: 0, max: 5 * MIN }),
    ...shared,
  },
  { requiredKeys: [] },
);
const flagger = fc.record({
  stepWeight: fc.integer({ min: 1, max: 100 }),
  intervalMs: fc.integer({ min: 1, max: 5 * MIN }),
  threshold: fc.integer({ min: 1, max: 10 }),
  templates: fc.constant(['f']),
});
const strategies: fc.Arbitrary<Strategy> = fc
  .oneof(
    canary.map((c) => ({ canary: c })),
    blueGreen.map((b) => ({ blueGreen: b })),
    flagger.map((f) => ({ flagger: f })),
  )
  .map(parseStrategy);

const rare = <T>(usual: T, sometimes: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 9, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: sometimes });

/** What happens between two looks: time passes (rarely backwards), probes, verdicts, commands. */
const look = fc.record({
  dtMs: fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: 0, max: 6 * MIN }) },
    { weight: 1, arbitrary: fc.integer({ min: -MIN, max: 0 }) },
  ),
  healthy: fc.constantFrom(true, true, false, undefined),
  ready: fc.oneof(
    { weight: 5, arbitrary: fc.constant(2) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }) },
  ),
  crashLoop: rare(false, fc.constant(true)),
  verdict: fc.constantFrom<AnalysisPhase>(
    'running',
    'successful',
    'successful',
    'successful',
    'failed',
    'inconclusive',
    'error',
  ),
  commands: rare<string[]>(
    [],
    fc.array(fc.constantFrom(...COMMANDS, 'bogus'), { minLength: 1, maxLength: 2 }),
  ),
});

type Look = typeof look extends fc.Arbitrary<infer T> ? T : never;

function observationsFor(state: RolloutState, l: Look): Observations {
  const running = Object.values(state.analysisRuns).filter((r) => r.status === 'running');
  return {
    canaryHealthy: l.healthy,
    canaryReadyInstances: l.ready,
    crashLoop: l.crashLoop,
    analysis: Object.fromEntries(running.map((r) => [r.runId, l.verdict])),
    commands: l.commands,
  };
}

const failed = (s: RolloutState) => s.phase === 'aborted' || s.phase === 'rolled-back';

/** The last intent per target (a run, a version, the routes) among `actions`. */
function finalIntents(actions: readonly Action[]): Map<string, Action> {
  const key = (a: Action) =>
    a.type === 'start-analysis' || a.type === 'stop-analysis'
      ? `run ${a.runId}`
      : a.type === 'start-instances' || a.type === 'stop-instances'
        ? `version ${a.version}`
        : a.type;
  return new Map(actions.filter((a) => a.type !== 'notify').map((a) => [key(a), a]));
}

function sameIntent(a: Action, b: Action): boolean {
  if (a.type === 'set-weight' && b.type === 'set-weight') {
    return a.canaryPerMille === b.canaryPerMille && a.canaryVersion === b.canaryVersion;
  }
  if (a.type === 'stop-instances' && b.type === 'stop-instances') return a.version === b.version;
  return JSON.stringify(a) === JSON.stringify(b);
}

describe('reconcile, for random strategies and observation sequences', () => {
  it('keeps weights in range, never raises them after an abort, is deterministic and idempotent', () => {
    fc.assert(
      fc.property(strategies, fc.array(look, { minLength: 1, maxLength: 25 }), (strategy, looks) => {
        let state = rolloutOf(strategy);
        let now = T0.getTime();
        for (const l of looks) {
          now += l.dtMs;
          const obs = observationsFor(state, l);
          const before = JSON.stringify(state);
          const result = reconcile(state, obs, new Date(now));
          const { next, actions } = result;

          // pure and deterministic
          assert.equal(JSON.stringify(state), before, 'the input state was changed');
          assert.deepEqual(reconcile(state, obs, new Date(now)), result);
          assert.deepEqual(JSON.parse(JSON.stringify(next)), next, 'the state is not plain JSON data');

          // weights stay in range; blue-green only switches
          for (const w of [next.weight, ...weights(actions)]) {
            assert.ok(Number.isInteger(w) && w >= 0 && w <= 1000, `weight ${w}`);
            if (strategy.kind === 'blueGreen') assert.ok(w === 0 || w === 1000, `blue-green weight ${w}`);
          }

          // after an abort, nothing raises the weight until a retry starts a new attempt
          if (failed(state) && next.attempt === state.attempt) {
            for (const w of [next.weight, ...weights(actions)])
              assert.ok(w <= state.weight, `weight ${w} after abort`);
          }
          if (failed(next) && !failed(state)) {
            assert.deepEqual(actions[0], {
              type: 'set-weight',
              canaryPerMille: 0,
              stableVersion: next.stable.version,
              canaryVersion: next.canary.version,
            });
          }

          // replaying the same observations decides nothing new
          const again = reconcile(next, obs, new Date(now));
          assert.deepEqual(again.next, next);
          assert.deepEqual(again.actions, []);
          assert.deepEqual(weights(pendingActions(next)), [next.weight]);

          // a restarted controller re-derives every intent this call decided
          const pending = pendingActions(next);
          for (const intent of finalIntents(actions).values()) {
            assert.ok(
              pending.some((p) => sameIntent(p, intent)),
              `${JSON.stringify(intent)} not re-derived`,
            );
          }

          // history never goes back in time; the next look is in the future
          const times = next.history.map((h) => Date.parse(h.at));
          times.forEach((t, i) => assert.ok(i === 0 || t >= (times[i - 1] ?? t), 'history went backwards'));
          if (result.nextAt) assert.ok(result.nextAt.getTime() > now, 'nextAt is not in the future');

          state = next;
        }
      }),
      { numRuns: 300 },
    );
  });
});
