import type { Action } from '../action.ts';
import { rangeProblem, revisionProblem } from './commits.ts';

const MERGES = ['skip', 'check'] as const;

/**
 * `uses: commitlint` — checks the run's commit message, or every commit of a git range (`range:` or
 * `base:`), against Conventional Commits; git is run without a shell and the range is validated first.
 */
export const commitlint: Action = {
  name: 'commitlint',
  description: 'check commit messages against Conventional Commits: the run commit or a range',
  inputs: {
    type: 'object',
    additionalProperties: false,
    properties: {
      message: { type: 'string', description: 'the message to check (default: the run commit message)' },
      types: { type: 'array', items: { type: 'string', pattern: '^[a-z]+$' }, minItems: 1 },
      'header-max-length': { type: 'integer', minimum: 20 },
      range: {
        type: 'string',
        minLength: 1,
        description: 'check every commit of a git revision range, e.g. origin/main..HEAD',
      },
      base: { type: 'string', minLength: 1, description: 'check the commits of <base>..<the run commit>' },
      merges: {
        type: 'string',
        enum: [...MERGES],
        description: 'merge commits of a range: skip (default) or check',
      },
    },
  },
  check(inputs) {
    return inputProblems(inputs, false);
  },
  async run(ctx) {
    // loaded on first use: loading a pipeline needs only the definition above
    return (await import('../run-code.ts')).commitlint(ctx);
  },
};

/** Conflicting inputs and unsafe revisions; values still holding `${{ }}` are checked once rendered. */
export function inputProblems(
  inputs: Record<string, unknown>,
  rendered: boolean,
): { input: string; message: string }[] {
  const given = (key: string) => inputs[key] !== undefined;
  const known = (key: string) => given(key) && (rendered || !String(inputs[key]).includes('${{'));
  const problems: { input: string; message: string }[] = [];
  if (given('message') && (given('range') || given('base')))
    problems.push({ input: 'message', message: 'give either message or range/base, not both' });
  if (given('range') && given('base'))
    problems.push({ input: 'base', message: 'give either range or base, not both' });
  if (given('merges') && !given('range') && !given('base'))
    problems.push({ input: 'merges', message: 'merges applies only with range or base' });
  const range = known('range') ? rangeProblem(String(inputs['range'])) : undefined;
  if (range) problems.push({ input: 'range', message: range });
  const base = known('base') ? revisionProblem(String(inputs['base']), 'base') : undefined;
  if (base) problems.push({ input: 'base', message: base });
  return problems;
}
