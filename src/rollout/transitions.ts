/*
 * The big moves of a rollout: start, abort (traffic back to stable first), complete, retry.
 */
import { formatDuration } from '../engine/duration.ts';
import type { Draft } from './draft.ts';
import { FULL_WEIGHT } from './strategy.ts';

/** Starts the new version's instances once per attempt (and, for blue-green, points the preview at it). */
export function startInstancesOnce(d: Draft): void {
  const s = d.s;
  if (s.canaryStartedAt) return;
  s.canaryStartedAt = d.at;
  d.emit({
    type: 'start-instances',
    version: s.canary.version,
    revision: s.canary.revision,
    replicas: s.replicas,
  });
  if (s.strategy.kind === 'blueGreen') d.emit({ type: 'route-preview', version: s.canary.version });
  d.record('instances-started', `${s.replicas} × ${s.canary.version} (revision ${s.canary.revision})`);
  if (s.attempt === 1) {
    d.notify('started', `${s.service} ${s.stable.version} → ${s.canary.version} in ${s.environment}`);
  }
}

/**
 * Stops the rollout: traffic back to stable as the first intent, then the new version's analysis
 * and (after the scale-down delay) instances. `rolled-back` when the new version had traffic.
 */
export function abort(d: Draft, reason: string): void {
  const s = d.s;

  // route traffic back to stable, before anything else
  const rolledBack = s.weight > 0;
  d.actions = [d.weightAction(0), ...d.actions.filter((a) => a.type !== 'set-weight')];
  s.weight = 0;
  if (rolledBack) d.record('weight-set', `0% of traffic to ${s.canary.version}`);
  if (s.strategy.kind === 'blueGreen') d.emit({ type: 'route-preview', version: null });

  // stop the new version's work
  d.stopRunningRuns();
  const when = d.scheduleStop(s.canary.version);

  // record why
  const phase = rolledBack ? 'rolled-back' : 'aborted';
  d.setPhase(phase);
  s.abortReason = reason;
  s.finishedAt = d.at;
  d.record(phase, `${reason}; ${s.stable.version} serves all traffic, ${s.canary.version} stops ${when}`);
  d.notify(phase, `${s.service} ${s.canary.version} in ${s.environment}: ${reason}`);
}

/** Finishes the rollout: all traffic to the new version, which becomes stable; the old one stops later. */
export function complete(d: Draft): void {
  const s = d.s;
  const old = s.stable;
  d.setWeight(FULL_WEIGHT);
  d.stopRunningRuns();
  if (s.strategy.kind === 'blueGreen') d.emit({ type: 'route-preview', version: null });
  const when = d.scheduleStop(old.version);
  s.stable = { ...s.canary };
  d.setPhase('completed');
  s.finishedAt = d.at;
  const took = formatDuration(d.clock - Date.parse(s.startedAt));
  d.record('completed', `${s.canary.version} is stable after ${took}; ${old.version} stops ${when}`);
  d.notify('completed', `${s.service} ${s.canary.version} in ${s.environment} after ${took}`);
}

/** Restarts an aborted or rolled-back rollout from its first step, as a new attempt. */
export function retry(d: Draft): void {
  const s = d.s;
  s.attempt += 1;
  s.stepIndex = 0;
  s.phase = 'progressing';
  for (const key of [
    'abortReason',
    'finishedAt',
    'pausedAt',
    'pauseReason',
    'stepRunId',
    'backgroundRunId',
  ] as const) {
    delete s[key];
  }
  delete s.canaryStartedAt;
  s.consecutiveHealthFailures = 0;
  delete s.failedChecks;
  s.stepStartedAt = d.at;
  s.lastProgressAt = d.at;
  s.canaryReadyInstances = readyCount(d.obs.canaryReadyInstances);
  s.scaleDowns = s.scaleDowns.filter((down) => down.version !== s.canary.version);
  d.record('retried', `attempt ${s.attempt} from step 1`);
  d.notify('retried', `${s.service} ${s.canary.version} in ${s.environment}, attempt ${s.attempt}`);
  startInstancesOnce(d);
}

/** A ready-instance count from observations; anything but a non-negative number counts as 0. */
export function readyCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
