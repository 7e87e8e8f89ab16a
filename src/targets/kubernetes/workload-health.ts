import type { KubeObject } from './kube-client.ts';

/** How a Deployment's rollout stands, read from its status and its pods' statuses. */
export interface WorkloadHealth {
  /** Every desired replica is updated, ready and available, and the controller saw the latest spec. */
  readonly ready: boolean;
  readonly desired: number;
  readonly readyReplicas: number;
  /** A pod's container waits in CrashLoopBackOff or restarted `restartLimit` times. */
  readonly crashLoop: boolean;
  /** Most restarts of any container of the Deployment's pods. */
  readonly restarts: number;
  /** Why the rollout can never succeed (ProgressDeadlineExceeded, an image that cannot be pulled), if so. */
  readonly failure?: string;
}

/** Pod waiting reasons that never resolve by waiting. */
const STUCK = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CreateContainerConfigError']);

/**
 * Judges a Deployment from its own status (observedGeneration, updated/ready/available replicas,
 * the Progressing condition) and its pods' container statuses (waiting reasons, restart counts).
 */
export function workloadHealth(
  deployment: KubeObject | undefined,
  pods: readonly KubeObject[],
  restartLimit = 3,
): WorkloadHealth {
  if (deployment === undefined) {
    return {
      ready: false,
      desired: 0,
      readyReplicas: 0,
      crashLoop: false,
      restarts: 0,
      failure: 'deployment not found',
    };
  }
  const spec = (deployment.spec ?? {}) as { replicas?: number };
  const status = (deployment.status ?? {}) as DeploymentStatus;
  const generation = (deployment.metadata as { generation?: number } | undefined)?.generation ?? 0;
  const desired = spec.replicas ?? 1;
  const readyReplicas = status.readyReplicas ?? 0;
  const ready =
    (status.observedGeneration ?? 0) >= generation &&
    (status.updatedReplicas ?? 0) === desired &&
    readyReplicas === desired &&
    (status.availableReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired;
  let restarts = 0;
  let crashLoop = false;
  let stuck: string | undefined;
  for (const pod of pods) {
    const statuses =
      (pod.status as { containerStatuses?: ContainerStatus[] } | undefined)?.containerStatuses ?? [];
    for (const c of statuses) {
      restarts = Math.max(restarts, c.restartCount ?? 0);
      const reason = c.state?.waiting?.reason;
      if (reason === 'CrashLoopBackOff' || (c.restartCount ?? 0) >= restartLimit) crashLoop = true;
      if (reason !== undefined && STUCK.has(reason)) {
        stuck = `pod ${String(pod.metadata?.name)} container ${c.name}: ${reason}${c.state?.waiting?.message ? ` (${c.state.waiting.message})` : ''}`;
      }
    }
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  const deadline =
    progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded'
      ? `deployment ${String(deployment.metadata?.name)}: ${progressing.message ?? 'progress deadline exceeded'}`
      : undefined;
  const failure = deadline ?? stuck;
  return {
    ready: ready && !crashLoop,
    desired,
    readyReplicas,
    crashLoop,
    restarts,
    ...(failure === undefined ? {} : { failure }),
  };
}

interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string } };
}
