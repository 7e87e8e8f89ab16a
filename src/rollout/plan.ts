/*
 * A strategy as a flat list of stages the controller walks with `stepIndex`. A canary's plan is
 * its steps, one for one. A blue-green plan is: wait for the preview, pre-promotion analysis,
 * wait for promotion, switch, post-promotion analysis. After the last stage the rollout completes.
 */
import { FULL_WEIGHT } from './strategy.ts';
import type { AnalysisRef, Strategy } from './strategy.ts';

/** One stage of a plan. */
export type PlanStep =
  | { kind: 'await-ready' }
  | { kind: 'weight'; weight: number }
  | { kind: 'pause'; durationMs?: number; reason: 'pause-step' | 'awaiting-promotion' }
  | { kind: 'analysis'; analysis: AnalysisRef; stage: 'step' | 'pre-promotion' | 'post-promotion' };

/** The stages of a strategy, in order. */
export function planOf(strategy: Strategy): PlanStep[] {
  if (strategy.kind === 'canary') {
    return strategy.steps.map((step): PlanStep => {
      if ('setWeight' in step) return { kind: 'weight', weight: step.setWeight };
      if ('pause' in step) return { kind: 'pause', reason: 'pause-step', ...step.pause };
      return { kind: 'analysis', analysis: step.analysis, stage: 'step' };
    });
  }
  const plan: PlanStep[] = [{ kind: 'await-ready' }];
  const pre = strategy.prePromotionAnalysis;
  if (pre) plan.push({ kind: 'analysis', analysis: pre, stage: 'pre-promotion' });
  const delay = strategy.autoPromotionDelayMs;
  plan.push({
    kind: 'pause',
    reason: 'awaiting-promotion',
    ...(delay === undefined ? {} : { durationMs: delay }),
  });
  plan.push({ kind: 'weight', weight: FULL_WEIGHT });
  const post = strategy.postPromotionAnalysis;
  if (post) plan.push({ kind: 'analysis', analysis: post, stage: 'post-promotion' });
  return plan;
}
