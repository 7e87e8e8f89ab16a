import type { Action } from '../action.ts';

/**
 * `uses: scan/secrets` — finds secrets in the working tree (git's files when it is a work tree, else
 * every file under `path`) with Runway's rules, or reads a Gitleaks JSON/SARIF `report` instead; records
 * `secrets.found` and fails above `max` (0). A finding shows rule, place and fingerprint, never the secret.
 */
export const scanSecrets: Action = {
  name: 'scan/secrets',
  description: 'find secrets in the working tree (or read a Gitleaks report) and fail when there are any',
  inputs: {
    type: 'object',
    additionalProperties: false,
    properties: {
      path: { type: 'string', minLength: 1, description: 'directory to scan (the working directory)' },
      report: {
        type: 'string',
        minLength: 1,
        description: 'a Gitleaks JSON or SARIF report to read instead of scanning',
      },
      allow: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'accepted findings: path globs, or 12-hex-digit fingerprints',
      },
      max: { type: 'integer', minimum: 0, description: 'secrets tolerated (0)' },
      sarif: { type: 'string', minLength: 1, description: 'also write the findings as SARIF 2.1.0 here' },
    },
  },
  check(inputs) {
    return inputs['report'] !== undefined && inputs['path'] !== undefined
      ? [{ input: 'report', message: 'give either path (scan) or report (read a scan), not both' }]
      : [];
  },
  async run(ctx) {
    // loaded on first use: loading a pipeline needs only the definition above
    return (await import('../run-code.ts')).scanSecrets(ctx);
  },
};
