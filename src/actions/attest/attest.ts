import { RUNWAY_BUILDER_ID, SLSA_LEVELS } from '../../gates/supply-chain/provenance.ts';
import type { Action } from '../action.ts';

/**
 * `uses: attest` — signs a release artifact (a file or a directory tree): an in-toto v1 statement with
 * a SLSA v1 provenance predicate (builder, source repository and commit, run, materials, times) signed
 * with a local Ed25519 key, written as a standard Sigstore bundle v0.3 (`<path>.sigstore.json`, key hint,
 * no log entry) and as a bare DSSE envelope (`<path>.intoto.jsonl`).
 * The level it declares is recorded, but its evidence `attest.slsa_level` is 1: a higher level is granted
 * only by a verifier's level policy. Evidence `attest.signed`, `attest.slsa_level`, `attest.slsa_declared`,
 * `attest.digest`; outputs `digest`, `envelope`, `bundle`, `keyid`.
 */
export const attest: Action = {
  name: 'attest',
  description: 'sign SLSA provenance for a release artifact (Sigstore bundle and DSSE envelope)',
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['path', 'key'],
    properties: {
      path: { type: 'string', minLength: 1, description: 'the release artifact: a file or a directory' },
      key: {
        type: 'string',
        minLength: 1,
        description: 'Ed25519 private key: a PKCS#8 PEM file, or its text from a secret',
      },
      output: {
        type: 'string',
        minLength: 1,
        description: 'where to write the envelope (<path>.intoto.jsonl)',
      },
      bundle: {
        type: 'string',
        minLength: 1,
        description: 'where to write the Sigstore bundle (<path>.sigstore.json)',
      },
      'slsa-level': {
        type: 'integer',
        enum: [...SLSA_LEVELS],
        description:
          'SLSA build level to declare in the provenance (default 1, or 2 on a CI runner); it counts as 1 until a verifier grants more',
      },
      'builder-id': { type: 'string', minLength: 1, description: `builder id (${RUNWAY_BUILDER_ID})` },
      repository: { type: 'string', minLength: 1, description: 'source repository URI (git remote origin)' },
      materials: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'files the build used (lock file, SBOM…), recorded with their digests',
      },
    },
  },
  async run(ctx) {
    // loaded on first use: loading a pipeline needs only the definition above
    return (await import('../run-code.ts')).attest(ctx);
  },
};
