import { SEVERITIES } from '../../gates/security/sarif.ts';
import { ENVIRONMENTS, LIMITED } from '../../gates/security/thresholds.ts';
import type { Action } from '../action.ts';

const COUNT = { type: 'integer', minimum: 0 };

/**
 * `uses: gate/sarif` — the seed's security gate: reads SARIF 2.1.0 logs (Trivy, Gitleaks, any tool)
 * and Bandit and Safety JSON reports,
 * counts unsuppressed findings by severity and secrets apart, and fails above the environment's limits.
 */
export const gateSarif: Action = {
  name: 'gate/sarif',
  description: 'fail on security findings in SARIF files above the limits of an environment',
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['files'],
    properties: {
      files: {
        description: 'SARIF files, Bandit or Safety JSON reports; globs relative to the working directory',
        oneOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        ],
      },
      environment: { type: 'string', enum: [...ENVIRONMENTS] },
      'new-only': {
        type: 'boolean',
        description: 'count only results whose baselineState is new (or absent)',
      },
      limits: {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(LIMITED.map((k) => [k, COUNT])),
      },
      'secret-tools': {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'tools (driver names) whose findings are secrets; default gitleaks',
      },
      'tool-severity': {
        type: 'object',
        additionalProperties: { type: 'string', enum: [...SEVERITIES] },
        description: 'severity for a tool whose results have neither security-severity nor level',
      },
    },
  },
  async run(ctx) {
    // loaded on first use: loading a pipeline needs only the definition above
    return (await import('../run-code.ts')).gateSarif(ctx);
  },
};
