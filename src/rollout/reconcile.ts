/*
 * The rollout controller's decision function: load state, observe, decide, and hand back the next
 * state, the intents to carry out, and when to look again. No I/O, no clock, no randomness: the
 * same inputs always give the same result.
 *
 * The caller persists `next` before carrying out `actions` (durable before done). If it crashes in
 * between, the intents are not lost: `pendingActions(next)` re-derives every intent the state
 * implies, and all of them are idempotent. Calling reconcile again with `next` and the same
 * observations decides nothing new: verdicts and readiness are levels, and events (health probes,
 * commands) are consumed only once per `now` (see Observations).
 */
import type { Action } from './actions.ts';
import { advance, checkProgressDeadline } from './advance.ts';
import { applyCommands } from './commands.ts';
import { Draft } from './draft.ts';
import type { CommandError } from './draft.ts';
import type { Observations } from './observations.ts';
import { applyAbortRules, observe } from './observe.ts';
import { isTerminal } from './state.ts';
import type { RolloutState } from './state.ts';
import { startInstancesOnce } from './transitions.ts';

export type { CommandError } from './draft.ts';

/** What one reconcile decided. */
export interface ReconcileResult {
  next: RolloutState;
  /** Intents in the order to carry them out; on abort the first is `set-weight 0`. */
  actions: Action[];
  /** When to reconcile again even if nothing is observed (a pause ends, a deadline, a scale-down). */
  nextAt?: Date;
  /** Commands that were rejected; they changed nothing. */
  errors: CommandError[];
}

/**
 * Decides the rollout's next state and intents from what was observed at `now`.
 * @example const { next, actions, nextAt } = reconcile(state, observations, clock.now());
 */
export function reconcile(state: RolloutState, observations: Observations, now: Date): ReconcileResult {
  const d = new Draft(state, observations, now);
  const fresh = state.observedAt === undefined || now.getTime() > Date.parse(state.observedAt);

  // stop what waited for its scale-down delay
  d.settleScaleDowns();

  // commands first: they answer the state people saw
  applyCommands(d, fresh);

  // observe, then let the abort rules speak before anything moves forward
  if (!isTerminal(d.s.phase)) {
    startInstancesOnce(d);
    observe(d, fresh);
    applyAbortRules(d);
  }

  // move forward as far as possible; a rollout stuck waiting for instances aborts at its deadline
  if (!isTerminal(d.s.phase)) {
    advance(d);
    checkProgressDeadline(d);
  }

  // mark the batch's events consumed, unless the call changed nothing at all
  const events = observations.commands.length > 0 || observations.canaryHealthy !== undefined;
  if (fresh && events && JSON.stringify(d.s) !== JSON.stringify(state)) {
    d.s.observedAt = now.toISOString();
  }
  const nextAt = wakeTime(d);
  return { next: d.s, actions: d.actions, ...(nextAt ? { nextAt } : {}), errors: d.errors };
}

function wakeTime(d: Draft): Date | undefined {
  const times = d.s.scaleDowns.filter((down) => !down.done).map((down) => Date.parse(down.at));
  if (!isTerminal(d.s.phase)) times.push(...d.wakes);
  const future = times.filter((t) => t > d.clock);
  return future.length === 0 ? undefined : new Date(Math.min(...future));
}
