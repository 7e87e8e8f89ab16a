import type { AnalysisPhase } from './provider.ts';

/** Phases from best to worst, as Argo Rollouts ranks them; the worst metric decides a run. */
export const PHASE_ORDER: readonly AnalysisPhase[] = [
  'successful',
  'running',
  'inconclusive',
  'error',
  'failed',
];

/** Whether `candidate` ranks worse than `current`. */
export function isWorse(current: AnalysisPhase, candidate: AnalysisPhase): boolean {
  return PHASE_ORDER.indexOf(candidate) > PHASE_ORDER.indexOf(current);
}

/**
 * The worst of some phases; successful when there are none.
 * @example worstPhase(['successful', 'inconclusive', 'running']) // 'inconclusive'
 */
export function worstPhase(phases: Iterable<AnalysisPhase>): AnalysisPhase {
  let worst: AnalysisPhase = 'successful';
  for (const phase of phases) if (isWorse(worst, phase)) worst = phase;
  return worst;
}

/** Whether a phase is a verdict (anything but running). */
export function isCompleted(phase: AnalysisPhase): boolean {
  return phase !== 'running';
}
