import type { KubeObject } from '../kubernetes/kube-client.ts';

/** The phases `kubectl argo rollouts status` reports. */
export const ROLLOUT_PHASES = ['Progressing', 'Paused', 'Healthy', 'Degraded'] as const;
export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];

/** Where an Argo Rollout stands, read from its status the way the Argo Rollouts CLI reads it. */
export interface RolloutStatus {
  readonly phase: RolloutPhase;
  readonly message: string;
  readonly aborted: boolean;
  /** Paused by a step, an inconclusive analysis or a user (`pauseConditions`, `spec.paused`). */
  readonly pauseReasons: readonly string[];
  readonly currentStepIndex?: number;
  readonly steps: number;
  /** The image of the rollout's first (or named) container in its pod template. */
  readonly image?: string;
  /** Percent of traffic to the new version at the current step (Argo's weights when it routes traffic). */
  readonly weight?: number;
  /** The canary steps, one line each (`setWeight 20`, `pause`, `pause 10s`, `analysis web`). */
  readonly plan: readonly string[];
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/**
 * The phase of a Rollout: `status.phase` from controllers v1.0 and later (unless the controller has
 * not yet seen the latest spec: then Progressing), else derived from the legacy fields (abort,
 * the Progressing condition, pause conditions, replica counts) as older controllers left them.
 */
export function rolloutStatus(rollout: KubeObject, container?: string): RolloutStatus {
  const spec = (rollout.spec ?? {}) as {
    paused?: boolean;
    replicas?: number;
    strategy?: { canary?: { steps?: Step[] } };
    template?: { spec?: { containers?: { name: string; image?: string }[] } };
  };
  const status = (rollout.status ?? {}) as {
    phase?: string;
    message?: string;
    abort?: boolean;
    observedGeneration?: string | number;
    pauseConditions?: { reason: string }[] | null;
    conditions?: Condition[] | Record<string, never>;
    currentStepIndex?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    canary?: { weights?: { canary?: { weight?: number } } };
  };
  const generation = (rollout.metadata as { generation?: number } | undefined)?.generation;
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const pauseReasons = (status.pauseConditions ?? []).map((p) => p.reason);
  if (spec.paused === true) pauseReasons.push('PausedBySpec');
  const containers = spec.template?.spec?.containers ?? [];
  const image = (container === undefined ? containers[0] : containers.find((c) => c.name === container))
    ?.image;
  const steps = spec.strategy?.canary?.steps ?? [];
  const weight = status.canary?.weights?.canary?.weight ?? stepWeight(steps, status.currentStepIndex);
  const base = {
    aborted: status.abort === true,
    pauseReasons,
    steps: steps.length,
    plan: steps.map(describeStep),
    ...(weight === undefined ? {} : { weight }),
    ...(status.currentStepIndex === undefined ? {} : { currentStepIndex: status.currentStepIndex }),
    ...(image === undefined ? {} : { image }),
  };
  const observed = String(status.observedGeneration ?? '');
  const numeric = /^\d+$/.test(observed);
  // a spec change the controller has not seen yet: whatever the status says is stale
  if (numeric && generation !== undefined && Number(observed) < generation) {
    const { currentStepIndex: _step, weight: _weight, ...unobserved } = base;
    return { ...unobserved, phase: 'Progressing', message: 'waiting for rollout spec update to be observed' };
  }
  if (isPhase(status.phase)) return { ...base, phase: status.phase, message: status.message ?? '' };
  // controllers before v1.0 left no phase
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (status.abort === true) {
    return { ...base, phase: 'Degraded', message: progressing?.message ?? 'Rollout is aborted' };
  }
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return { ...base, phase: 'Degraded', message: progressing.message ?? 'ProgressDeadlineExceeded' };
  }
  if (pauseReasons.length > 0) return { ...base, phase: 'Paused', message: pauseReasons.join(', ') };
  const desired = spec.replicas ?? 1;
  if ((status.updatedReplicas ?? 0) < desired) {
    return { ...base, phase: 'Progressing', message: 'more replicas need to be updated' };
  }
  if ((status.availableReplicas ?? 0) < (status.updatedReplicas ?? 0)) {
    return { ...base, phase: 'Progressing', message: 'updated replicas are still becoming available' };
  }
  return { ...base, phase: 'Healthy', message: '' };
}

interface Step {
  setWeight?: number;
  pause?: { duration?: number | string };
  analysis?: { templates?: { templateName?: string }[] };
  [other: string]: unknown;
}

/** The weight the last `setWeight` before `index` set (none before the first, 100 after the last step). */
function stepWeight(steps: readonly Step[], index: number | undefined): number | undefined {
  if (index === undefined || steps.length === 0) return undefined;
  if (index >= steps.length) return 100;
  for (let i = index - 1; i >= 0; i--) if (steps[i]?.setWeight !== undefined) return steps[i]!.setWeight;
  return 0;
}

function describeStep(step: Step): string {
  if (step.setWeight !== undefined) return `setWeight ${step.setWeight}`;
  if (step.pause !== undefined) {
    const d = step.pause.duration;
    return d === undefined ? 'pause' : `pause ${typeof d === 'number' ? `${d}s` : d}`;
  }
  if (step.analysis !== undefined)
    return `analysis ${(step.analysis.templates ?? []).map((t) => t.templateName).join(', ')}`;
  return Object.keys(step)[0] ?? 'step';
}

function isPhase(value: unknown): value is RolloutPhase {
  return (ROLLOUT_PHASES as readonly unknown[]).includes(value);
}
