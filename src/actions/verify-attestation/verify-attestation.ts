import { resolve } from 'node:path';
import { SLSA_MINIMUM } from '../../gates/policy/default-policy.ts';
import { ENVIRONMENTS, type EnvironmentName } from '../../gates/policy/gate-input.ts';
import { RUNWAY_BUILDER_ID, SLSA_LEVELS } from '../../gates/supply-chain/provenance.ts';
import { verifyReleaseAttestation } from '../../gates/supply-chain/verify-release.ts';
import type { Action, EvidenceValue } from '../action.ts';

/**
 * `uses: verify-attestation` — checks a release artifact against the attestation `attest` wrote: the
 * signature (by the given public key), the builder, the subject digest against the artifact as it is now,
 * and a minimum SLSA build level (given, or the environment's: production 3, staging 2, development 1).
 */
export const verifyAttestation: Action = {
  name: 'verify-attestation',
  description: 'verify the signed provenance of a release artifact: signature, builder, digest, SLSA level',
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['path', 'key'],
    properties: {
      path: { type: 'string', minLength: 1, description: 'the release artifact: a file or a directory' },
      attestation: { type: 'string', minLength: 1, description: 'the DSSE envelope (<path>.intoto.jsonl)' },
      key: { type: 'string', minLength: 1, description: 'public key (SPKI PEM) of the signer' },
      'min-slsa-level': {
        type: 'integer',
        enum: [...SLSA_LEVELS],
        description: 'lowest SLSA build level accepted',
      },
      environment: {
        type: 'string',
        enum: [...ENVIRONMENTS],
        description:
          "take min-slsa-level from the environment's policy (production 3, staging 2, development 1)",
      },
      'builder-id': {
        type: 'string',
        minLength: 1,
        description: `builder the provenance must name (${RUNWAY_BUILDER_ID})`,
      },
    },
  },
  async run(ctx) {
    const artifactPath = resolve(ctx.workingDirectory, String(ctx.inputs['path']));
    const envelopePath =
      ctx.inputs['attestation'] !== undefined
        ? resolve(ctx.workingDirectory, String(ctx.inputs['attestation']))
        : `${artifactPath}.intoto.jsonl`;
    const environment = ctx.inputs['environment'] as EnvironmentName | undefined;
    const minSlsaLevel =
      (ctx.inputs['min-slsa-level'] as number | undefined) ??
      (environment ? SLSA_MINIMUM[environment] : undefined);
    const result = verifyReleaseAttestation({
      artifactPath,
      envelopePath,
      publicKeyPath: resolve(ctx.workingDirectory, String(ctx.inputs['key'])),
      ...(ctx.inputs['builder-id'] !== undefined ? { builderId: String(ctx.inputs['builder-id']) } : {}),
      ...(minSlsaLevel !== undefined ? { minSlsaLevel } : {}),
    });
    if (!result.ok) {
      ctx.log(`✖ ${result.check}: ${result.reason}`);
      const evidence: Record<string, EvidenceValue> =
        result.check === 'slsa-level' && result.slsaLevel !== undefined
          ? { 'attest.signed': true, 'attest.slsa_level': result.slsaLevel }
          : { 'attest.signed': false };
      return { ok: false, reason: `attestation check "${result.check}" failed: ${result.reason}`, evidence };
    }
    ctx.log(`✔ ${artifactPath}: ${result.digest}`);
    ctx.log(
      `  signed by key ${result.keyid.slice(0, 16)}…, builder ${result.builderId}, SLSA build level ${result.slsaLevel}${
        minSlsaLevel !== undefined ? ` (at least ${minSlsaLevel} required)` : ''
      }`,
    );
    return {
      ok: true,
      outputs: { digest: result.digest, 'slsa-level': String(result.slsaLevel) },
      evidence: {
        'attest.signed': true,
        'attest.slsa_level': result.slsaLevel,
        'attest.digest': result.digest,
      },
    };
  },
};
