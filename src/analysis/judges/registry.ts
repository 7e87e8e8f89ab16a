import { argoBaseline } from './argo-baseline.ts';
import type { ArgoBaselineOptions } from './argo-baseline.ts';
import { comparisonJudge } from './comparison.ts';
import type { ComparisonOptions } from './comparison.ts';
import { flaggerBaseline } from './flagger-baseline.ts';
import type { FlaggerBaselineOptions } from './flagger-baseline.ts';
import type { Judge } from './judge.ts';
import { sequentialErrorJudge, sequentialLatencyJudge } from './sequential.ts';
import type { SequentialLatencyOptions, SequentialOptions } from './sequential.ts';
import { thresholdJudge } from './threshold.ts';
import type { ThresholdOptions } from './threshold.ts';

/** The judges a configuration can name. */
export const JUDGE_KINDS = [
  'threshold',
  'comparison',
  'sequential-errors',
  'sequential-latency',
  'flagger',
  'argo',
] as const;

/** One of JUDGE_KINDS. */
export type JudgeKind = (typeof JUDGE_KINDS)[number];

/** A judge by kind with its options. */
export type JudgeSpec =
  | ({ kind: 'threshold' } & ThresholdOptions)
  | ({ kind: 'comparison' } & ComparisonOptions)
  | ({ kind: 'sequential-errors' } & SequentialOptions)
  | ({ kind: 'sequential-latency' } & SequentialLatencyOptions)
  | ({ kind: 'flagger' } & FlaggerBaselineOptions)
  | ({ kind: 'argo' } & ArgoBaselineOptions);

/**
 * Builds a judge from its spec; an unknown kind or a bad option throws here, never while judging.
 * @example createJudge({ kind: 'sequential-errors', alpha: 0.005 })
 */
export function createJudge(spec: JudgeSpec): Judge {
  switch (spec.kind) {
    case 'threshold':
      return thresholdJudge(spec);
    case 'comparison':
      return comparisonJudge(spec);
    case 'sequential-errors':
      return sequentialErrorJudge(spec);
    case 'sequential-latency':
      return sequentialLatencyJudge(spec);
    case 'flagger':
      return flaggerBaseline(spec);
    case 'argo':
      return argoBaseline(spec);
    default:
      throw new RangeError(
        `unknown judge ${JSON.stringify((spec as { kind: unknown }).kind)}: want one of ${JUDGE_KINDS.join(', ')}`,
      );
  }
}
