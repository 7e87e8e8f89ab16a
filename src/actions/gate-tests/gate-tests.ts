import type { Action } from '../action.ts';

/**
 * `uses: gate/tests` — reads JUnit XML reports, records the counts as evidence and fails the step on
 * more failures than `allow-failures` or a larger share than `max-failure-rate`, on flaky tests (unless `fail-on-flaky: false`), on a report
 * that cannot be read, or when no report or no test case was found.
 */
export const gateTests: Action = {
  name: 'gate/tests',
  description: 'gate on JUnit XML test reports: failures, errors and flaky tests',
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['files'],
    properties: {
      files: {
        description: 'JUnit XML files or globs, relative to the working directory',
        oneOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        ],
      },
      'allow-failures': { type: 'integer', minimum: 0, description: 'failed or errored tests tolerated (0)' },
      'max-failure-rate': {
        type: 'number',
        minimum: 0,
        maximum: 1,
        description:
          'share of run (not skipped) tests that may fail or error, e.g. 0.05; allow-failures then applies only when given',
      },
      'fail-on-flaky': { type: 'boolean', description: 'fail when a test passed only on a rerun (true)' },
    },
  },
  async run(ctx) {
    // loaded on first use: loading a pipeline needs only the definition above
    return (await import('../run-code.ts')).gateTests(ctx);
  },
};
