/* Helpers for rollout tests: a fake clock around T0 and a driver that checks every reconcile replays cleanly. */
import assert from 'node:assert/strict';
import type { Action } from './actions.ts';
import { quietObservations } from './observations.ts';
import type { Observations } from './observations.ts';
import { reconcile } from './reconcile.ts';
import type { ReconcileResult } from './reconcile.ts';
import { newRollout } from './state.ts';
import type { RolloutState } from './state.ts';
import type { Strategy } from './strategy.ts';

/** The tests' t0: a Tuesday morning. */
export const T0 = new Date('2026-03-10T10:00:00.000Z');
/** One minute, one second, in milliseconds. */
export const MIN = 60_000;
export const SEC = 1000;
/** T0 plus `ms`. */
export const at = (ms: number) => new Date(T0.getTime() + ms);

/** A rollout of checkout-api v1 → v2 with two instances, created at `created`. */
export function rolloutOf(strategy: Strategy, created = T0, id = 'r1'): RolloutState {
  return newRollout(
    {
      id,
      service: 'checkout-api',
      environment: 'production',
      stable: { version: 'v1', revision: 1 },
      canary: { version: 'v2', revision: 2 },
      strategy,
      replicas: 2,
    },
    created,
  );
}

/** Observations: both instances ready and nothing else, unless said otherwise. */
export function look(changes: Partial<Observations> = {}): Observations {
  return { ...quietObservations(2), ...changes };
}

/** Set-weight intents' weights, in order. */
export function weights(actions: readonly Action[]): number[] {
  return actions.flatMap((a) => (a.type === 'set-weight' ? [a.canaryPerMille] : []));
}

/** Action types, in order. */
export function types(actions: readonly Action[]): string[] {
  return actions.map((a) => a.type);
}

/** The id of the run the rollout is waiting on at its current step. */
export function stepRun(state: RolloutState): string {
  assert.ok(state.stepRunId, `no analysis step running (phase ${state.phase}, step ${state.stepIndex})`);
  return state.stepRunId;
}

/** Reconciles step by step; after each call, replaying the same input must decide nothing new. */
export class Driver {
  state: RolloutState;

  constructor(state: RolloutState) {
    this.state = state;
  }

  /** One reconcile at `now` with `changes` over the default observations. */
  step(now: Date, changes: Partial<Observations> = {}): ReconcileResult {
    const observations = look(changes);
    const result = reconcile(this.state, observations, now);
    const replay = reconcile(result.next, observations, now);
    assert.deepEqual(replay.next, result.next, 'replaying the same observations changed the state');
    assert.deepEqual(replay.actions, [], 'replaying the same observations issued new actions');
    this.state = result.next;
    return result;
  }

  /** Reports a verdict for the current step's analysis run. */
  verdict(
    now: Date,
    phase: 'successful' | 'failed' | 'inconclusive' | 'error',
    changes: Partial<Observations> = {},
  ) {
    return this.step(now, { ...changes, analysis: { [stepRun(this.state)]: phase } });
  }
}
