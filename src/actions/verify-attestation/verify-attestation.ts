import { ENVIRONMENTS } from '../../gates/policy/gate-input.ts';
import { VERIFY_POLICY_RULES, VERIFY_POLICY_SCHEMA } from '../../gates/supply-chain/verify-policy.ts';
import type { Action } from '../action.ts';

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
    // loaded on first use: loading a pipeline needs only the definition above
    return (await import('../run-code.ts')).verifyAttestation(ctx);
  },
};
