/*
 * Every intent a state implies, for a controller that restarts: it may have persisted a state and
 * died before carrying out the intents. All of them are idempotent, so issuing them again is safe.
 * Per version, the latest start or stop intent wins (a start cancels a scheduled stop).
 */
import type { Action } from './actions.ts';
import { isTerminal } from './state.ts';
import type { RolloutState } from './state.ts';

/** The intents `state` implies, traffic first. */
export function pendingActions(state: RolloutState): Action[] {
  if (!state.canaryStartedAt && !isTerminal(state.phase)) return [];
  const { stable, canary } = state;
  const actions: Action[] = [
    {
      type: 'set-weight',
      canaryPerMille: state.weight,
      stableVersion: stable.version,
      canaryVersion: canary.version,
    },
  ];

  // instances and preview
  const failed = state.phase === 'aborted' || state.phase === 'rolled-back';
  if (!failed) {
    actions.push({
      type: 'start-instances',
      version: canary.version,
      revision: canary.revision,
      replicas: state.replicas,
    });
  }
  if (state.strategy.kind === 'blueGreen') {
    actions.push({ type: 'route-preview', version: isTerminal(state.phase) ? null : canary.version });
  }

  // analysis runs
  for (const run of Object.values(state.analysisRuns)) {
    if (run.status === 'running') {
      const { failureLimit, intervalMs, templates } = run.analysis;
      actions.push({
        type: 'start-analysis',
        runId: run.runId,
        kind: run.kind,
        templates,
        ...(failureLimit === undefined ? {} : { failureLimit }),
        ...(intervalMs === undefined ? {} : { intervalMs }),
      });
    } else if (run.status === 'stopped') {
      actions.push({ type: 'stop-analysis', runId: run.runId });
    }
  }

  // scale-downs: done ones again (in case the stop was lost), scheduled ones with their time
  for (const down of state.scaleDowns) {
    actions.push({
      type: 'stop-instances',
      version: down.version,
      ...(down.done ? {} : { at: new Date(down.at) }),
    });
  }
  return actions;
}
