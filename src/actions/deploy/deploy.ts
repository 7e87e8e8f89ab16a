import type { Action } from '../action.ts';
import { ownsTraffic } from '../../targets/kinds.ts';
import { checkEnvironment, RELEASE_INPUTS } from './release-inputs.ts';

/**
 * `uses: deploy` — replaces an environment's release: starts the new instances, waits until they
 * are healthy (the target's ready-timeout), switches all traffic, stops the old ones. A version
 * that never becomes healthy fails the step and the old one keeps serving.
 */
export const deploy: Action = {
  name: 'deploy',
  description: "replace an environment's release once the new one is healthy",
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['environment'],
    properties: RELEASE_INPUTS,
  },
  check(inputs, pipeline) {
    const kind = pipeline.environmentTargets?.[String(inputs['environment'])];
    // an Argo Rollout does its own steps: it has no plain replace for Runway to ask for
    if (ownsTraffic({ kind }))
      return [
        {
          input: 'environment',
          message: `environment "${String(inputs['environment'])}" has an ${String(kind)} target, which rolls releases out by its own steps: use uses: rollout with image:`,
        },
      ];
    return checkEnvironment(inputs, pipeline);
  },
  async run(ctx) {
    // loaded on first use: loading a pipeline needs only the inputs and the check above
    const { controlPlane, environmentOf, releaseRequest, runRollout } = await import('../run-code.ts');
    const env = environmentOf(ctx);
    if (typeof env === 'string') return { ok: false, reason: env };
    const req = releaseRequest(ctx, env);
    if (typeof req === 'string') return { ok: false, reason: req };
    const client = await controlPlane(ctx);
    if (typeof client === 'string') return { ok: false, reason: client };
    return runRollout(ctx, client, req);
  },
};
