/*
 * Targets that do their own traffic, by kind. A kind listed in `TARGET_OWN_TRAFFIC` (kinds.ts)
 * registers its factory here; an unknown kind is an error listing the known ones.
 */
import { ArgoRolloutTarget } from './argo-rollouts/argo-rollout-target.ts';
import type { DelegatingTarget } from './delegating.ts';
import { NopDelegatingTarget } from './delegating.ts';
import { KubeClient } from './kubernetes/kube-client.ts';
import type { TargetSpec } from './registry.ts';
import { TargetError } from './target.ts';

/** Builds a delegating target from an environment's `target:`. */
export type DelegatingFactory = (spec: TargetSpec) => DelegatingTarget;

const FACTORIES = new Map<string, DelegatingFactory>([
  ['none', () => new NopDelegatingTarget()],
  [
    'argo-rollouts',
    (spec) =>
      new ArgoRolloutTarget(
        {
          namespace: String(spec['namespace']),
          rollout: String(spec['rollout']),
          ...(typeof spec['container'] === 'string' ? { container: spec['container'] } : {}),
        },
        new KubeClient({
          ...(typeof spec['kubeconfig'] === 'string' ? { kubeconfig: spec['kubeconfig'] } : {}),
          ...(typeof spec['context'] === 'string' ? { context: spec['context'] } : {}),
        }),
      ),
  ],
]);

/**
 * The delegating target of a spec.
 *
 * @example createDelegatingTarget({ kind: 'argo-rollouts', namespace: 'shop', rollout: 'checkout' })
 */
export function createDelegatingTarget(spec: TargetSpec): DelegatingTarget {
  const factory = FACTORIES.get(spec.kind);
  if (!factory)
    throw new TargetError(
      `target kind ${JSON.stringify(spec.kind)} does not do its own traffic: expected one of ${[...FACTORIES.keys()].sort().join(', ')}`,
    );
  return factory(spec);
}
