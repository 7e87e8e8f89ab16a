/*
 * The request of a deploy or rollout step whose environment runs OCI images (a kubernetes target):
 * the release is `with: image` pinned by digest, checked against its attestation's subject digest
 * when the environment has `verify:`, and the environment's target travels with the request so the
 * control plane builds the same target the step was validated against.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Environment, KubernetesTarget } from '../../config/pipeline.ts';
import type { RolloutRequest } from '../../deploy/rollout-request.ts';
import { verifyReleaseAttestation } from '../../gates/supply-chain/verify-release.ts';
import { IMAGE_SHAPE, parseImageReference, pinnedImage } from '../../targets/image-reference.ts';
import type { ServerClient } from '../../server/client.ts';
import type { ActionContext } from '../action.ts';
import { stepRequestFields } from './release-inputs.ts';

/** How long a step waits for a cluster to roll its stable workload out to a promoted image. */
const PROMOTION_WAIT_MS = 10 * 60_000;

/** Builds the request for an image release; a string says why there is none. */
export function imageReleaseRequest(
  ctx: ActionContext,
  env: Environment,
  target: KubernetesTarget,
  extra: Pick<RolloutRequest, 'strategy' | 'analysis' | 'args'>,
): RolloutRequest | string {
  const service = ctx.run.pipeline.service?.name ?? ctx.run.pipeline.name;
  const sha = String((ctx.expressions as { sha?: unknown }).sha ?? '');
  const version = String(ctx.inputs['version'] ?? (sha.slice(0, 12) || 'dev'));
  const raw = ctx.inputs['image'];
  if (typeof raw !== 'string')
    return `environment "${env.name}" has a ${target.kind} target, which runs OCI images: the step needs with.image: ${IMAGE_SHAPE}`;
  const image = parseImageReference(raw);
  if (typeof image === 'string') return image;
  if (env.verify) {
    if (ctx.inputs['attestation'] === undefined)
      return `${env.name} accepts only attested releases (verify:), so the step needs attestation: (the image's Sigstore bundle or in-toto envelope)`;
    const verdict = verifyReleaseAttestation({
      artifactPath: pinnedImage(image),
      imageDigest: image.digest,
      envelopePath: resolve(ctx.workingDirectory, String(ctx.inputs['attestation'])),
      ...env.verify,
    });
    if (!verdict.ok)
      return `refused: ${env.name} accepts only attested releases: attestation check "${verdict.check}" failed: ${verdict.reason}`;
    ctx.log(
      `attestation verified: image ${image.image} is ${image.digest.slice(0, 19)}…, SLSA build level ${verdict.slsaLevel} (${verdict.level.why}), signed by ${verdict.signer}`,
    );
  }
  return {
    service,
    environment: env.name,
    port: target.port,
    target: { ...target },
    router: env.router,
    release: {
      version,
      // an image release runs no command: the image's entrypoint does
      command: '',
      cwd: '',
      image,
      // the pod template is the stable Deployment's: its env is the user's, not the step's
      env: {},
      replicas: target.canaryReplicas,
      health: ctx.run.pipeline.service?.health ?? '/health',
      digest: image.digest,
    },
    ...stepRequestFields(ctx, extra),
  };
}

/**
 * Waits until every instance the environment's target reports is the promoted version and ready
 * (the cluster rolled stable out to its image); the reason it failed otherwise.
 */
export async function awaitPromotion(
  ctx: ActionContext,
  client: ServerClient,
  req: RolloutRequest,
  version: string,
  timeoutMs = PROMOTION_WAIT_MS,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  let last = 'no instance reported yet';
  while (Date.now() < deadline && !ctx.signal.aborted) {
    const site = await client
      .environment(req.service, req.environment)
      .then((s) => s.site)
      .catch(() => null);
    const instances = site?.instances ?? [];
    if (instances.some((i) => i.version === version && i.crashLoop))
      return `${version} is crash-looping on ${req.environment}'s stable workload after its promotion`;
    if (instances.length > 0 && instances.every((i) => i.version === version && i.ready)) {
      ctx.log(`${req.environment} runs ${version} on its stable workload: ${instances.length} ready`);
      return undefined;
    }
    last = `${instances.filter((i) => i.version === version && i.ready).length} of ${instances.length} instances are ${version} and ready`;
    if (!told) ctx.log(`waiting for ${req.environment} to roll its stable workload out to ${version}`);
    told = true;
    await sleep(250);
  }
  return `${version} was promoted, but ${req.environment}'s stable workload did not roll out in time: ${last}`;
}
