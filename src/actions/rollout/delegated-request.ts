/*
 * `uses: rollout` on an environment whose target does its own traffic (an Argo Rollout): the
 * request asks the control plane to set the image there and follow it. The target's own steps,
 * weights and analysis apply, so the step's strategy and process inputs have no meaning here and
 * are refused rather than ignored.
 */
import type { ArgoRolloutsTarget, Environment } from '../../config/pipeline.ts';
import type { RolloutRequest } from '../../deploy/rollout-request.ts';
import { parseImageReference } from '../../targets/image-reference.ts';
import type { ActionContext } from '../action.ts';

/** Inputs of `uses: rollout` that only Runway's own rollouts use (artifact and env are refused at load time). */
const NOT_FOR_DELEGATED = [
  'preset',
  'pause-scale',
  'pauses',
  'steps',
  'blue-green',
  'analysis',
  'args',
  'attestation',
] as const;

/** Inputs a step on such an environment may not have, each with why (checked when runway.yaml loads). */
export function delegatedInputProblems(
  inputs: Record<string, unknown>,
  kind: string,
): { input: string; message: string }[] {
  return NOT_FOR_DELEGATED.filter((k) => inputs[k] !== undefined).map((input) => ({
    input,
    message: `environment "${String(inputs['environment'])}" has an ${kind} target, which does its own steps, analysis and traffic (the Rollout's strategy.canary): remove ${input}:`,
  }));
}

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
  if (typeof image !== 'string') return `${where}: the step needs with.image, pinned by digest`;
  const parsed = parseImageReference(image);
  if (typeof parsed === 'string') return parsed;
  const service = ctx.run.pipeline.service?.name ?? ctx.run.pipeline.name;
  const sha = String((ctx.expressions as { sha?: unknown }).sha ?? '');
  const version = String(ctx.inputs['version'] ?? (sha.slice(0, 12) || 'dev'));
  return {
    service,
    environment: env.name,
    port: 0,
    target: { ...env.target },
    release: {
      version,
      command: '',
      cwd: '',
      env: {},
      replicas: 1,
      health: ctx.run.pipeline.service?.health ?? '/health',
      image: parsed,
      digest: parsed.digest,
    },
    key: `run-${ctx.run.id}/${ctx.step.key}`,
    runId: ctx.run.id,
    by: `run ${ctx.run.id}`,
    analysis: {},
  };
}
