import { COVERAGE_FORMATS } from '../../gates/quality/coverage.ts';
import type { Action } from '../action.ts';

const PERCENT = { type: 'number', minimum: 0, maximum: 100 } as const;

/**
 * `uses: gate/coverage` — reads one coverage report (lcov, Cobertura or Istanbul summary), records
 * `coverage.lines` (and branches/functions when measured) and fails the step with a table of every
 * scope below its minimum: the total against `minimum` (default: the service tier's, 80/70/60) and
 * each `paths:` floor.
 */
export const gateCoverage: Action = {
  name: 'gate/coverage',
  description: 'gate on line coverage: a total minimum (by service tier) and per-path floors',
  inputs: {
    type: 'object',
    additionalProperties: false,
    oneOf: COVERAGE_FORMATS.map((format) => ({ required: [format] })),
    properties: {
      lcov: {
        type: 'string',
        minLength: 1,
        description: 'lcov tracefile, relative to the working directory',
      },
      cobertura: { type: 'string', minLength: 1, description: 'Cobertura XML (coverage.py, scoverage, …)' },
      istanbul: { type: 'string', minLength: 1, description: 'Istanbul coverage-summary.json' },
      minimum: { ...PERCENT, description: 'minimum total line coverage (default by service tier)' },
      paths: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'minimum'],
          properties: {
            path: { type: 'string', minLength: 1, description: 'path prefix, or a glob' },
            minimum: PERCENT,
          },
        },
      },
    },
  },
  async run(ctx) {
    // loaded on first use: loading a pipeline needs only the definition above
    return (await import('../run-code.ts')).gateCoverage(ctx);
  },
};
