/*
 * Walks the plan from the current step as far as it can go right now: weight steps finish as soon
 * as their weight is decided (once the new version's instances are ready), timed pauses when their
 * time is up, analysis steps when their run succeeded. Stops at the first step that must wait.
 */
import { formatDuration } from '../engine/duration.ts';
import type { Draft } from './draft.ts';
import type { PlanStep } from './plan.ts';
import { FULL_WEIGHT, percent } from './strategy.ts';
import { abort, complete } from './transitions.ts';

/** Advances the rollout through every step that is already done. */
export function advance(d: Draft): void {
  const s = d.s;
  for (let guard = 0; guard <= d.plan.length + 1; guard++) {
    // hold while a person paused the rollout
    if (s.pauseReason === 'manual') return d.setPhase('paused', 'manual');

    // an inconclusive background run waits for a person
    const background = s.backgroundRunId ? s.analysisRuns[s.backgroundRunId] : undefined;
    if (background?.status === 'inconclusive')
      return d.setPhase('paused', 'inconclusive', 'analysis-inconclusive');

    // after the last step: all traffic to the new version
    const step = d.plan[s.stepIndex];
    if (!step) {
      if (d.gate(s.weight < FULL_WEIGHT)) complete(d);
      return;
    }

    startBackgroundWhenDue(d);
    if (!runStep(d, step)) return;
  }
}

/** Runs one step; true when it finished and the next one may start. */
function runStep(d: Draft, step: PlanStep): boolean {
  const s = d.s;
  switch (step.kind) {
    case 'await-ready':
      if (!d.gate(true)) return false;
      d.nextStep();
      return true;

    case 'weight':
      if (!d.gate(step.weight > s.weight)) return false;
      d.setWeight(step.weight);
      if (s.strategy.kind === 'blueGreen') {
        d.record(
          'promoted',
          `${s.canary.version} is active; ${s.stable.version} stays up until the rollout ends`,
        );
        d.notify('promoted', `${s.service} ${s.canary.version} in ${s.environment} takes all traffic`);
      }
      d.nextStep();
      return true;

    case 'pause': {
      const ends = step.durationMs === undefined ? undefined : Date.parse(s.stepStartedAt) + step.durationMs;
      if (ends !== undefined && ends <= d.clock) {
        d.nextStep();
        return true;
      }
      if (ends !== undefined) d.wakes.push(ends);
      const untimed = ends === undefined ? 'waiting-for-promotion' : undefined;
      d.setPhase('paused', step.reason, untimed);
      return false;
    }

    case 'analysis': {
      const phase = step.stage === 'post-promotion' ? 'promoted' : 'analysing';
      const run = s.stepRunId ? s.analysisRuns[s.stepRunId] : undefined;
      if (!run) {
        d.setPhase(phase);
        s.stepRunId = d.startRun(step.stage === 'step' ? 'step' : step.stage, step.analysis, s.stepIndex);
        return false;
      }
      if (run.status === 'successful') {
        d.nextStep();
        return true;
      }
      if (run.status === 'inconclusive') {
        d.setPhase('paused', 'inconclusive', 'analysis-inconclusive');
        return false;
      }
      if (run.status === 'running') {
        d.setPhase(phase);
        return false;
      }
      if (step.stage === 'step' && s.strategy.kind === 'canary' && s.strategy.failedCheckThreshold) {
        return holdAfterFailedCheck(d, run.runId, run.status, s.strategy.failedCheckThreshold);
      }
      abort(d, `analysis ${run.runId} ${run.status}`);
      return false;
    }
  }
}

/**
 * Flagger's failed check: the weight stays, the rollout goes back to the pause before the check
 * (one interval) and checks again; the `threshold`-th failed check of the attempt rolls back.
 */
function holdAfterFailedCheck(d: Draft, runId: string, status: string, threshold: number): boolean {
  const s = d.s;
  const failed = (s.failedChecks ?? 0) + 1;
  s.failedChecks = failed;
  if (failed >= threshold) {
    abort(d, `${failed} of ${threshold} checks failed (last: analysis ${runId} ${status})`);
    return false;
  }
  const back = d.plan[s.stepIndex - 1]?.kind === 'pause' ? 1 : 0;
  s.stepIndex -= back;
  s.stepStartedAt = d.at;
  delete s.stepRunId;
  d.record(
    'analysis-finished',
    `check ${runId} ${status}: ${failed} of ${threshold} failed checks; weight stays at ${percent(s.weight)}`,
  );
  return true;
}

/** Starts the background analysis once the rollout reaches its starting step. */
function startBackgroundWhenDue(d: Draft): void {
  const s = d.s;
  const background = s.strategy.kind === 'canary' ? s.strategy.backgroundAnalysis : undefined;
  if (!background || s.backgroundRunId || s.stepIndex < background.startingStep) return;
  const { startingStep: _, ...analysis } = background;
  s.backgroundRunId = d.startRun('background', analysis);
}

/** Aborts a rollout stuck waiting for ready instances longer than the progress deadline. */
export function checkProgressDeadline(d: Draft): void {
  const s = d.s;
  if (!d.waitingForReady || !s.strategy.abortOn.progressDeadline) return;
  const deadline = s.strategy.progressDeadlineMs;
  if (d.clock < Date.parse(s.lastProgressAt) + deadline) return;
  const ready = `${s.canaryReadyInstances}/${s.replicas}`;
  abort(
    d,
    `progress deadline exceeded: ${ready} instances of ${s.canary.version} ready, no progress for ${formatDuration(deadline)}`,
  );
}
