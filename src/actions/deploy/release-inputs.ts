/*
 * What deploy and rollout steps share when a pipeline is loaded: their common `with:` inputs and the
 * check of the environment they name. Kept apart from release.ts (what runs the step) so that
 * loading a pipeline does not load the code that releases.
 */
import { IMAGE_SHAPE, parseImageReference } from '../../targets/image-reference.ts';
import type { RolloutRequest } from '../../deploy/rollout-request.ts';
import type { ActionContext, InputCheckContext } from '../action.ts';

/** `with:` inputs deploy and rollout share. */
export const RELEASE_INPUTS = {
  environment: { type: 'string', minLength: 1, description: 'an environment declared under `environments:`' },
  version: {
    type: 'string',
    minLength: 1,
    description: 'the release version (default: the first 12 characters of the commit sha)',
  },
  artifact: {
    type: 'string',
    minLength: 1,
    description: 'file or directory to release, relative to the working directory; copied, immutable',
  },
  env: {
    type: 'object',
    additionalProperties: { type: ['string', 'number', 'boolean'] },
    description: 'extra variables for the instances of this release',
  },
  image: {
    type: 'string',
    minLength: 1,
    description: `the OCI image a kubernetes environment runs, pinned by digest: ${IMAGE_SHAPE}`,
  },
  attestation: {
    type: 'string',
    minLength: 1,
    description:
      "the release's attestation (default <artifact>.sigstore.json, else <artifact>.intoto.jsonl; required for an image), checked when the environment has verify:",
  },
} as const;

/** Target kinds that run OCI images (`with: image`) rather than process bundles (`with: artifact`). */
const IMAGE_TARGETS: readonly string[] = ['kubernetes', 'argo-rollouts'];

/**
 * The environment an `environment:` input names must be declared, and the release must be what its
 * target runs: an image pinned by digest on kubernetes, a process bundle (never an image) on local.
 */
export function checkEnvironment(
  inputs: Record<string, unknown>,
  pipeline: Pick<InputCheckContext, 'environments' | 'environmentTargets'>,
): { input: string; message: string }[] {
  const { environments } = pipeline;
  const problems: { input: string; message: string }[] = [];
  const image = inputs['image'];
  if (typeof image === 'string' && !image.includes('${{')) {
    const parsed = parseImageReference(image);
    if (typeof parsed === 'string') problems.push({ input: 'image', message: parsed });
  }
  const name = inputs['environment'];
  if (typeof name !== 'string' || name.includes('${{')) return problems;
  if (!environments.includes(name)) {
    problems.push({
      input: 'environment',
      message:
        environments.length === 0
          ? `environment "${name}" is not declared: add it under \`environments:\` with a target`
          : `unknown environment "${name}", expected one of: ${environments.join(', ')}`,
    });
    return problems;
  }
  const kind = pipeline.environmentTargets?.[name];
  if (kind === undefined) return problems;
  if (IMAGE_TARGETS.includes(kind)) {
    if (image === undefined)
      problems.push({
        input: 'environment',
        message: `environment "${name}" has a ${kind} target, which runs OCI images: the step needs with.image: ${IMAGE_SHAPE}`,
      });
    if (inputs['env'] !== undefined)
      problems.push({
        input: 'env',
        message: `environment "${name}" has a ${kind} target, whose pods take their env from the Deployment's pod template: set it there, not in env:`,
      });
    if (inputs['artifact'] !== undefined)
      problems.push({
        input: 'artifact',
        message: `environment "${name}" has a ${kind} target, which runs the image, not an artifact: remove artifact: (attest the image and name its attestation with attestation:)`,
      });
  } else if (image !== undefined) {
    problems.push({
      input: 'image',
      message: `environment "${name}" has a ${kind} target, which runs process bundles, not images: give artifact: instead of image:, or deploy to a kubernetes environment`,
    });
  }
  return problems;
}

/** What a step asks of a rollout beside its release: one rollout per run and step, who asked, how. */
export type StepRequestFields = Pick<
  RolloutRequest,
  'key' | 'runId' | 'by' | 'analysis' | 'strategy' | 'args'
>;

/** The fields every release request of a step carries, whatever its target. */
export function stepRequestFields(
  ctx: ActionContext,
  extra: Pick<RolloutRequest, 'strategy' | 'analysis' | 'args'>,
): StepRequestFields {
  return {
    key: `run-${ctx.run.id}/${ctx.step.key}`,
    runId: ctx.run.id,
    by: `run ${ctx.run.id}`,
    analysis: extra.analysis ?? {},
    ...(extra.strategy === undefined ? {} : { strategy: extra.strategy }),
    ...(extra.args ? { args: extra.args } : {}),
  };
}
