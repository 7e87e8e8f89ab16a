import { resolve } from 'node:path';
import { SLSA_MINIMUM } from '../../gates/policy/default-policy.ts';
import { ENVIRONMENTS, type EnvironmentName } from '../../gates/policy/gate-input.ts';
import { defaultAttestationPath, verifyReleaseAttestation } from '../../gates/supply-chain/verify-release.ts';
import {
  resolveVerifyPolicy,
  VERIFY_POLICY_RULES,
  VERIFY_POLICY_SCHEMA,
  type VerifyPolicyConfig,
} from '../../gates/supply-chain/verify-policy.ts';
import type { Action, EvidenceValue } from '../action.ts';

/**
 * `uses: verify-attestation` — checks a release artifact against its attestation: a Sigstore bundle
 * (cosign, GitHub artifact attestations, npm provenance, Runway's `attest`) or a DSSE envelope. The
 * signature (by a key, or a certificate identity and issuer against a trusted root, offline), the
 * subject digest against the artifact as it is now, and the SLSA build level the level policy grants the
 * verified builder, at least the one given or the environment's (production 3, staging 2, development 1).
 */
export const verifyAttestation: Action = {
  name: 'verify-attestation',
  description:
    'verify the provenance of a release artifact (Sigstore bundle or DSSE): signer, digest, SLSA level',
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    ...VERIFY_POLICY_RULES,
    properties: {
      path: { type: 'string', minLength: 1, description: 'the release artifact: a file or a directory' },
      attestation: {
        type: 'string',
        minLength: 1,
        description: 'the Sigstore bundle or DSSE envelope (<path>.sigstore.json, else <path>.intoto.jsonl)',
      },
      ...VERIFY_POLICY_SCHEMA,
      environment: {
        type: 'string',
        enum: [...ENVIRONMENTS],
        description:
          "take min-slsa-level from the environment's policy (production 3, staging 2, development 1)",
      },
      'builder-id': {
        type: 'string',
        minLength: 1,
        description: 'builder the provenance must name (default: runway for DSSE envelopes, any for bundles)',
      },
    },
  },
  async run(ctx) {
    const artifactPath = resolve(ctx.workingDirectory, String(ctx.inputs['path']));
    const envelopePath =
      ctx.inputs['attestation'] !== undefined
        ? resolve(ctx.workingDirectory, String(ctx.inputs['attestation']))
        : defaultAttestationPath(artifactPath);
    const policy = resolveVerifyPolicy(ctx.inputs as VerifyPolicyConfig, ctx.workingDirectory);
    const environment = ctx.inputs['environment'] as EnvironmentName | undefined;
    const minSlsaLevel = policy.minSlsaLevel ?? (environment ? SLSA_MINIMUM[environment] : undefined);
    const result = verifyReleaseAttestation({
      artifactPath,
      envelopePath,
      ...policy,
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
      `  signed by ${result.signer}, builder ${result.builderId}, SLSA build level ${result.slsaLevel} (${result.level.why})${
        minSlsaLevel !== undefined ? `, at least ${minSlsaLevel} required` : ''
      }`,
    );
    return {
      ok: true,
      outputs: { digest: result.digest, 'slsa-level': String(result.slsaLevel), signer: result.signer },
      evidence: {
        'attest.signed': true,
        'attest.slsa_level': result.slsaLevel,
        'attest.slsa_source': result.level.source,
        'attest.digest': result.digest,
      },
    };
  },
};
