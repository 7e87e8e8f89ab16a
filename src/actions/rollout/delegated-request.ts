/*
 * `uses: rollout` on an environment whose target does its own traffic (an Argo Rollout): the
 * request asks the control plane to set the image there and follow it. The target's own steps,
 * weights and analysis apply, so the step's strategy and process inputs have no meaning here and
 * are refused rather than ignored.
 */
import type { ArgoRolloutsTarget, Environment } from '../../config/pipeline.ts';
import type { RolloutRequest } from '../../deploy/rollout-request.ts';
import { IMAGE_BY_DIGEST } from '../../rollout/delegated/delegate-spec.ts';
import type { ActionContext } from '../action.ts';

/** Inputs of `uses: rollout` that only Runway's own rollouts use. */
const NOT_FOR_DELEGATED = [
  'preset',
  'pause-scale',
  'pauses',
  'steps',
  'blue-green',
  'analysis',
  'args',
  'artifact',
  'env',
  'attestation',
] as const;

/** Whether an environment's target is an Argo Rollout that Runway follows. */
export function isDelegated(env: Environment): env is Environment & { target: ArgoRolloutsTarget } {
  return env.target.kind === 'argo-rollouts';
}

/**
 * The request for a rollout an Argo Rollout carries out, or why the step cannot make one.
 *
 * @example delegatedRequest(ctx, env, 'ghcr.io/acme/checkout@sha256:…')
 */
export function delegatedRequest(
  ctx: ActionContext,
  env: Environment & { target: ArgoRolloutsTarget },
  image: unknown,
): RolloutRequest | string {
  const where = `environment "${env.name}" is the Argo Rollout ${env.target.namespace}/${env.target.rollout}`;
  const extra = NOT_FOR_DELEGATED.filter((k) => ctx.inputs[k] !== undefined);
  if (extra.length > 0) {
    return `${where}, which does its own steps and traffic: remove ${extra.map((k) => `with.${k}`).join(', ')} (the Rollout's strategy.canary applies)`;
  }
  if (env.verify) {
    return `${where}: verify: (attested releases) is not checked for argo-rollouts targets yet, so runway refuses rather than deploy unchecked`;
  }
  if (typeof image !== 'string' || !IMAGE_BY_DIGEST.test(image)) {
    return `${where}: with.image must be an image pinned by digest, REPOSITORY[:TAG]@sha256:<64 hex digits>, got ${JSON.stringify(image)}`;
  }
  const service = ctx.run.pipeline.service?.name ?? ctx.run.pipeline.name;
  const sha = String((ctx.expressions as { sha?: unknown }).sha ?? '');
  const version = String(ctx.inputs['version'] ?? (sha.slice(0, 12) || 'dev'));
  const { kind, namespace, rollout, container, kubeconfig, context } = env.target;
  return {
    service,
    environment: env.name,
    port: 0,
    delegate: {
      kind,
      namespace,
      rollout,
      ...(container === undefined ? {} : { container }),
      ...(kubeconfig === undefined ? {} : { kubeconfig }),
      ...(context === undefined ? {} : { context }),
    },
    release: {
      version,
      command: '',
      cwd: '',
      env: {},
      replicas: 1,
      health: ctx.run.pipeline.service?.health ?? '/health',
      image,
    },
    key: `run-${ctx.run.id}/${ctx.step.key}`,
    runId: ctx.run.id,
    by: `run ${ctx.run.id}`,
    analysis: {},
  };
}
