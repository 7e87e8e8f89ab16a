import type { Action } from '../action.ts';

export const LOCK_FILES = ['npm-shrinkwrap.json', 'package-lock.json'] as const;

/**
 * `uses: sbom` — writes a CycloneDX 1.6 JSON SBOM of an npm project from its lock file (validated against
 * the CycloneDX schema before it is written), or checks an
 * SBOM another tool made (`from:`, CycloneDX or SPDX JSON). Output `path`; evidence `sbom.components`.
 */
export const sbom: Action = {
  name: 'sbom',
  description: 'write a CycloneDX SBOM from package-lock.json, or check an existing CycloneDX/SPDX SBOM',
  inputs: {
    type: 'object',
    additionalProperties: false,
    properties: {
      from: {
        type: 'string',
        minLength: 1,
        description: 'an SBOM made by another tool (CycloneDX or SPDX JSON) to check and pass on',
      },
      lockfile: {
        type: 'string',
        minLength: 1,
        description: 'npm lock file (npm-shrinkwrap.json, else package-lock.json)',
      },
      output: { type: 'string', minLength: 1, description: 'where to write the SBOM (sbom.cdx.json)' },
      dev: { type: 'boolean', description: 'include devDependencies, with scope excluded (false)' },
    },
  },
  check(inputs) {
    const extra = ['lockfile', 'output', 'dev'].filter((k) => inputs[k] !== undefined);
    return inputs['from'] !== undefined && extra.length > 0
      ? [{ input: 'from', message: `from checks an existing SBOM; drop ${extra.join(', ')}` }]
      : [];
  },
  async run(ctx) {
    // loaded on first use: loading a pipeline needs only the definition above
    return (await import('../run-code.ts')).sbom(ctx);
  },
};
