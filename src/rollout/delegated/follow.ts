/*
 * The pure half of following a target that does its own traffic (an Argo Rollout): from Runway's
 * stored rollout state, what the target reports and the commands people gave, the next state, the
 * history lines it adds, and what to ask of the target. The target's steps are its own; Runway
 * records each one it observes, and ends the rollout when the target does.
 */
import type { DelegatedStatus } from '../../targets/delegating.ts';
import type { Command } from '../observations.ts';
import { isCommand } from '../observations.ts';
import type { HistoryEntry, HistoryEvent, RolloutState } from '../state.ts';
import { isTerminal } from '../state.ts';

/** What Runway asks the target to do after a look. */
export type DelegatedAction =
  | { readonly type: 'set-image'; readonly image: string }
  | { readonly type: 'promote'; readonly full: boolean }
  | { readonly type: 'abort' }
  | { readonly type: 'pause' };

/** The outcome of one look at the target. */
export interface FollowResult {
  readonly next: RolloutState;
  /** The new image, when the target does not run it yet. */
  readonly setImage?: string;
}

/** What a command asks of the target, or why Runway does not pass it on. */
export function commandAction(command: string): DelegatedAction | string {
  if (!isCommand(command)) return `unknown command ${JSON.stringify(command)}`;
  switch (command) {
    case 'promote':
    case 'resume':
      return { type: 'promote', full: false };
    case 'promote-full':
      return { type: 'promote', full: true };
    case 'abort':
      return { type: 'abort' };
    case 'pause':
      return { type: 'pause' };
    default:
      return `${command} is not passed to an Argo Rollout; run the pipeline again for a new attempt`;
  }
}

/** The history line of a command the target accepted. */
export function commandEntry(command: Command, by: string, now: Date, note?: string): HistoryEntry {
  return {
    at: now.toISOString(),
    event: 'command',
    detail: `${command} by ${by}: ${COMMAND_EFFECT[command]}${note === undefined ? '' : ` (${note})`}`,
  };
}

/**
 * One look at a delegated rollout: the target's status, as Runway's state and history.
 *
 * @example follow(state, 'repo@sha256:…', await target.status(), now)
 */
export function follow(state: RolloutState, image: string, status: DelegatedStatus, now: Date): FollowResult {
  const next = structuredClone(state);
  const at = now.toISOString();
  const log = (event: HistoryEvent, detail: string): void => {
    next.history.push({ at, event, detail });
  };
  if (isTerminal(next.phase)) return { next };

  // the new image first: until the target runs it, what it reports is about the old release
  if (status.image !== image) {
    if (next.canaryStartedAt === undefined) {
      next.canaryStartedAt = at;
      log('instances-started', `image ${image} set on the Rollout (was ${status.image ?? 'none'})`);
    }
    return { next, setImage: image };
  }
  next.observedAt = at;

  // each step the target takes, as it reports it
  if (status.currentStepIndex !== undefined && status.currentStepIndex !== next.stepIndex) {
    next.stepIndex = status.currentStepIndex;
    next.stepStartedAt = at;
    next.lastProgressAt = at;
    if (status.weight !== undefined) next.weight = status.weight * 10;
    const step = status.plan[status.currentStepIndex] ?? 'done';
    log(
      'weight-set',
      `step ${status.currentStepIndex}/${status.steps} (${step})${status.weight === undefined ? '' : `, ${status.weight}% of traffic to the new version`}`,
    );
  }
  const message = status.message === '' ? status.phase : `${status.phase}: ${status.message}`;
  switch (status.phase) {
    case 'Progressing':
      if (next.phase === 'paused') {
        delete next.pausedAt;
        delete next.pauseReason;
        log('resumed', message);
      }
      next.phase = 'progressing';
      break;
    case 'Paused':
      if (next.phase !== 'paused') {
        next.phase = 'paused';
        next.pausedAt = at;
        next.pauseReason = status.pauseReasons.includes('PausedBySpec')
          ? 'manual'
          : status.pauseReasons.includes('InconclusiveAnalysis')
            ? 'inconclusive'
            : 'pause-step';
        log('paused', `${message}; \`runway rollout promote\` resumes it`);
      }
      break;
    case 'Healthy':
      next.phase = 'completed';
      next.weight = 1000;
      next.finishedAt = at;
      log('completed', `the Rollout is Healthy and runs ${image}`);
      break;
    case 'Degraded':
      next.phase = status.aborted ? 'rolled-back' : 'aborted';
      next.abortReason = status.message === '' ? 'the Rollout is Degraded' : status.message;
      next.finishedAt = at;
      next.weight = 0;
      log(
        status.aborted ? 'rolled-back' : 'aborted',
        status.aborted ? `Argo aborted the update, traffic is back on stable: ${message}` : message,
      );
      break;
  }
  return { next };
}

/** The rollout ended before it began: the target cannot be read (missing, or not Runway's to read). */
export function unreachable(state: RolloutState, reason: string, now: Date): RolloutState {
  const next = structuredClone(state);
  if (isTerminal(next.phase)) return next;
  next.phase = 'aborted';
  next.abortReason = reason;
  next.finishedAt = now.toISOString();
  next.history.push({ at: next.finishedAt, event: 'aborted', detail: reason });
  return next;
}

const COMMAND_EFFECT: Readonly<Record<Command, string>> = {
  promote: "clears the Rollout's pause conditions (next step)",
  'promote-full': 'sets status.promoteFull (skips the remaining steps)',
  pause: 'sets spec.paused',
  resume: "clears the Rollout's pause conditions and spec.paused",
  abort: 'sets status.abort (Argo sends traffic back to stable)',
  retry: 'not passed on',
};

/**
 * The part of a target's status a command changes (its step, pauses, abort, phase and image), as
 * a string to store before the command is sent and to compare with after a restart: any
 * difference means the target moved since, and the command is not sent again.
 */
export function stateBefore(status: DelegatedStatus): string {
  return JSON.stringify({
    phase: status.phase,
    aborted: status.aborted,
    step: status.currentStepIndex ?? null,
    pauses: [...status.pauseReasons].sort(),
    image: status.image ?? null,
  });
}
