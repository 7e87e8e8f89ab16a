import { comparisonJudge } from './comparison.ts';
import type { ComparisonOptions } from './comparison.ts';
import type { Judge } from './judge.ts';
import { sequentialErrorJudge, sequentialLatencyJudge } from './sequential.ts';
import type { SequentialLatencyOptions, SequentialOptions } from './sequential.ts';

/**
 * The judges a configuration can name (`judge:` in runway.yaml, `--judge` of analysis replay).
 * flagger-baseline.ts and argo-baseline.ts are not among them: they emulate Flagger's and Argo's
 * loops as the peers bench/judges.ts measures against (Runway's own Flagger semantics are `uses:
 * rollout` with an `analysis:` block, its threshold checks a metric's conditions).
 */
export const JUDGE_KINDS = ['sequential-errors', 'sequential-latency', 'comparison'] as const;

/** One of JUDGE_KINDS. */
export type JudgeKind = (typeof JUDGE_KINDS)[number];

/** A judge by kind with its options. */
export type JudgeSpec =
  | ({ kind: 'sequential-errors' } & SequentialOptions)
  | ({ kind: 'sequential-latency' } & SequentialLatencyOptions)
  | ({ kind: 'comparison' } & ComparisonOptions);

/**
 * Builds a judge from its spec; an unknown kind or a bad option throws here, never while judging.
 * @example createJudge({ kind: 'sequential-errors', alpha: 0.005 })
 */
export function createJudge(spec: JudgeSpec): Judge {
  switch (spec.kind) {
    case 'sequential-errors':
      return sequentialErrorJudge(spec);
    case 'sequential-latency':
      return sequentialLatencyJudge(spec);
    case 'comparison':
      return comparisonJudge(spec);
    default:
      throw new RangeError(
        `unknown judge ${JSON.stringify((spec as { kind: unknown }).kind)}: want one of ${JUDGE_KINDS.join(', ')}`,
      );
  }
}
