/*
 * Takes in what the controller saw and applies the abort rules: a failed or errored analysis run,
 * N health probe failures in a row, a crash loop.
 */
import type { Draft } from './draft.ts';
import { ANALYSIS_PHASES } from './state.ts';
import type { AnalysisKind, AnalysisPhase, RolloutState } from './state.ts';
import { abort, readyCount } from './transitions.ts';

/** Records readiness, analysis verdicts and (when `fresh`) the health probe. */
export function observe(d: Draft, fresh: boolean): void {
  const s = d.s;

  // readiness: more ready instances is progress
  const ready = readyCount(d.obs.canaryReadyInstances);
  if (ready > s.canaryReadyInstances) s.lastProgressAt = d.at;
  s.canaryReadyInstances = ready;

  // analysis verdicts of the runs still running
  for (const run of Object.values(s.analysisRuns)) {
    const verdict = d.obs.analysis[run.runId];
    if (run.status !== 'running' || verdict === undefined || verdict === 'running') continue;
    run.status = knownVerdict(verdict);
    run.finishedAt = d.at;
    d.record('analysis-finished', `${run.runId}: ${run.status}`);
  }

  // health probe, counted once per batch
  const healthy = d.obs.canaryHealthy;
  if (!fresh || healthy === undefined) return;
  if (healthy === false) {
    s.consecutiveHealthFailures += 1;
    const limit = s.strategy.abortOn.consecutiveHealthFailures;
    d.record(
      'health-check-failed',
      `${s.canary.version}: ${s.consecutiveHealthFailures} of ${limit} in a row`,
    );
  } else if (s.consecutiveHealthFailures > 0) {
    d.record('health-check-passed', `${s.canary.version} after ${s.consecutiveHealthFailures} failures`);
    s.consecutiveHealthFailures = 0;
  }
}

/** Aborts when an abort rule holds; true when it did. */
export function applyAbortRules(d: Draft): boolean {
  const s = d.s;
  const rules = s.strategy.abortOn;
  const failed = Object.values(s.analysisRuns).find(
    (run) =>
      run.attempt === s.attempt &&
      (run.status === 'failed' || run.status === 'error') &&
      !countsAsCheck(s, run.kind),
  );
  if (failed) {
    abort(d, `analysis ${failed.runId} (${failed.analysis.templates.join(', ')}) ${failed.status}`);
  } else if (s.consecutiveHealthFailures >= rules.consecutiveHealthFailures) {
    abort(d, `${s.consecutiveHealthFailures} consecutive health check failures of ${s.canary.version}`);
  } else if (rules.crashLoop && d.obs.crashLoop) {
    abort(d, `${s.canary.version} is crash-looping`);
  } else return false;
  return true;
}

/** Whether a failed run is a check counted against the threshold (Flagger) rather than an abort. */
export function countsAsCheck(s: RolloutState, kind: AnalysisKind): boolean {
  return kind === 'step' && s.strategy.kind === 'canary' && s.strategy.failedCheckThreshold !== undefined;
}

/** A verdict as reported, or `error` for anything unknown (fail closed). */
function knownVerdict(verdict: string): AnalysisPhase {
  return (ANALYSIS_PHASES as readonly string[]).includes(verdict) ? (verdict as AnalysisPhase) : 'error';
}
