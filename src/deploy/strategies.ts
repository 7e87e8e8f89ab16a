import { parseStrategy } from '../rollout/resolve-strategy.ts';
import { deepFreeze, STRATEGY_DEFAULTS } from '../rollout/strategy.ts';
import type { Strategy } from '../rollout/strategy.ts';

/**
 * A plain deploy: start the new instances, wait until they are ready (the deadline), send all
 * traffic to them at once, stop the old ones. A version that never becomes ready aborts the
 * deploy, and the old one keeps serving.
 */
export function replaceStrategy(readinessTimeoutMs: number): Strategy {
  return parseStrategy({
    canary: {
      steps: [{ setWeight: 1000 }],
      scaleDownDelayMs: 0,
      progressDeadlineMs: readinessTimeoutMs + 5000,
    },
  });
}

/**
 * The strategy recorded for a target that does its own traffic: its steps are the target's (an
 * Argo Rollout's `strategy.canary.steps`), recorded as they are observed, so Runway plans none.
 */
export function delegatedStrategy(): Strategy {
  return deepFreeze({ kind: 'canary', steps: [], ...STRATEGY_DEFAULTS, scaleDownDelayMs: 0 });
}
