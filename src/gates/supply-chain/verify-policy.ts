import { resolve } from 'node:path';
import { SLSA_LEVELS, type SlsaLevel } from './provenance.ts';
import type { BuilderLevel } from './slsa-level.ts';

/**
 * JSON Schema of a verification policy, shared by `uses: verify-attestation` and an environment's
 * `verify:`: who must have signed (a key, or a certificate identity and issuer as `cosign verify` takes
 * them), against which trusted root, and the level policy that turns a verified builder into a level.
 */
export const VERIFY_POLICY_SCHEMA = {
  key: {
    type: 'string',
    minLength: 1,
    description: "the signer's public key (SPKI PEM), for attestations signed with a key (uses: attest)",
  },
  'trusted-root': {
    type: 'string',
    minLength: 1,
    description:
      'Sigstore trusted root (TrustedRoot JSON) for keyless bundles; default the Sigstore public-good root',
  },
  'certificate-identity': {
    type: 'string',
    minLength: 1,
    description: "the signing certificate's identity (SAN), exactly, as cosign --certificate-identity",
  },
  'certificate-identity-regexp': {
    type: 'string',
    minLength: 1,
    description: 'a regular expression for the identity, as cosign --certificate-identity-regexp',
  },
  'certificate-oidc-issuer': {
    type: 'string',
    minLength: 1,
    description: 'the OIDC issuer of the signing certificate, as cosign --certificate-oidc-issuer',
  },
  'min-slsa-level': {
    type: 'integer',
    enum: [...SLSA_LEVELS],
    description: 'lowest SLSA build level accepted, as the level policy derives it',
  },
  builders: {
    type: 'array',
    description:
      'level policy: the SLSA build level a verified builder earns (before the built-in rules: SLSA GitHub generator 3, GitHub-hosted workflow 2); any other builder is 1',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['builder', 'level'],
      properties: {
        builder: {
          type: 'string',
          minLength: 1,
          description: 'runDetails.builder.id; a trailing * matches any rest',
        },
        'build-type': {
          type: 'string',
          minLength: 1,
          description: 'buildDefinition.buildType; any if absent',
        },
        signer: {
          type: 'string',
          minLength: 1,
          description:
            'the verified signer: certificate identity, or key:<keyid>; a trailing * matches any rest',
        },
        level: { type: 'integer', enum: [...SLSA_LEVELS] },
      },
    },
  },
} as const;

/** Who the policy trusts: a key, or a certificate identity with its issuer. */
export const VERIFY_POLICY_RULES = {
  description:
    'key: (attestations signed with a key), or certificate-identity or certificate-identity-regexp with certificate-oidc-issuer (keyless Sigstore bundles)',
  anyOf: [
    { required: ['key'] },
    { required: ['certificate-identity'] },
    { required: ['certificate-identity-regexp'] },
  ],
  dependencies: {
    'certificate-identity': ['certificate-oidc-issuer'],
    'certificate-identity-regexp': ['certificate-oidc-issuer'],
  },
} as const;

/** A verification policy as written in `runway.yaml`. */
export interface VerifyPolicyConfig {
  key?: string;
  'trusted-root'?: string;
  'certificate-identity'?: string;
  'certificate-identity-regexp'?: string;
  'certificate-oidc-issuer'?: string;
  'min-slsa-level'?: number;
  builders?: { builder: string; 'build-type'?: string; signer?: string; level: SlsaLevel }[];
}

/** A verification policy with paths made absolute. */
export interface VerifyPolicy {
  publicKeyPath?: string;
  trustedRoot?: string;
  identity?: string;
  identityRegexp?: string;
  issuer?: string;
  minSlsaLevel?: number;
  builders: BuilderLevel[];
}

/** Resolves a policy's paths against `base` (the pipeline file's directory or the step's). */
export function resolveVerifyPolicy(config: VerifyPolicyConfig, base: string): VerifyPolicy {
  const policy: VerifyPolicy = {
    builders: (config.builders ?? []).map((b) => ({
      builder: b.builder,
      level: b.level,
      ...(b['build-type'] !== undefined ? { buildType: b['build-type'] } : {}),
      ...(b.signer !== undefined ? { signer: b.signer } : {}),
    })),
  };
  if (config.key !== undefined) policy.publicKeyPath = resolve(base, config.key);
  if (config['trusted-root'] !== undefined) policy.trustedRoot = resolve(base, config['trusted-root']);
  if (config['certificate-identity'] !== undefined) policy.identity = config['certificate-identity'];
  if (config['certificate-identity-regexp'] !== undefined)
    policy.identityRegexp = config['certificate-identity-regexp'];
  if (config['certificate-oidc-issuer'] !== undefined) policy.issuer = config['certificate-oidc-issuer'];
  if (config['min-slsa-level'] !== undefined) policy.minSlsaLevel = config['min-slsa-level'];
  return policy;
}
