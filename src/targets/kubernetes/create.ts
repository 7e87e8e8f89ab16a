/*
 * Builds the kubernetes target of an environment from its resolved `target:`: the cluster is found
 * from the target's kubeconfig and context when runway.yaml names them, else as kubectl finds it
 * (KUBECONFIG, ~/.kube/config, or the pod's service account when `runway serve` runs in-cluster).
 */
import type { KubernetesTarget as KubernetesTargetSpec } from '../../config/pipeline.ts';
import type { TargetContext, TargetSpec } from '../registry.ts';
import type { Target } from '../target.ts';
import { KubeClient } from './kube-client.ts';
import { KubernetesSiteTarget } from './kubernetes-site-target.ts';

/** The kubernetes target of a spec (as stored with the environment). */
export function createKubernetesTarget(spec: TargetSpec, ctx: TargetContext): Target {
  const s = spec as unknown as KubernetesTargetSpec;
  const client = new KubeClient({
    ...(s.kubeconfig === undefined ? {} : { kubeconfig: s.kubeconfig }),
    ...(s.context === undefined ? {} : { context: s.context }),
  });
  return new KubernetesSiteTarget(
    {
      namespace: s.namespace,
      deployment: s.deployment,
      ...(s.container === undefined ? {} : { container: s.container }),
      service: s.service,
      port: s.port,
      route: s.route,
    },
    client,
    ctx.log,
  );
}
