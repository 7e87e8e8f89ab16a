import { DEFAULTS_TOKEN } from '../../gates/supply-chain/license-policy.ts';
import type { Action } from '../action.ts';

export const UNKNOWN_MODES = ['warn', 'fail'] as const;

/**
 * `uses: gate/licenses` — judges every package of a CycloneDX or SPDX SBOM against deny and allow lists
 * of SPDX licenses (`OR` takes the best choice, `AND` the worst part); fails on any denied license, and
 * on unknown ones unless `unknown: warn`. Evidence `licenses.denied`, `licenses.unknown`.
 */
export const gateLicenses: Action = {
  name: 'gate/licenses',
  description: 'fail on denied (or unknown) licenses among the components of an SBOM',
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['sbom'],
    properties: {
      sbom: { type: 'string', minLength: 1, description: 'CycloneDX or SPDX JSON SBOM' },
      deny: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: `license patterns to refuse (* for any text); "${DEFAULTS_TOKEN}" stands for the default list`,
      },
      allow: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'when set, the only licenses accepted; an allowed license wins over deny',
      },
      unknown: {
        type: 'string',
        enum: [...UNKNOWN_MODES],
        description: 'missing or unreadable licenses (fail)',
      },
      ignore: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'components not judged: name, name@version or purl (* for any text)',
      },
    },
  },
  async run(ctx) {
    // loaded on first use: loading a pipeline needs only the definition above
    return (await import('../run-code.ts')).gateLicenses(ctx);
  },
};
