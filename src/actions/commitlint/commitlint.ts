import type { Action, ActionContext, ActionResult } from '../action.ts';
import { CommitRangeError, rangeProblem, readCommits, revisionProblem, type Commit } from './commits.ts';
import { DEFAULT_TYPES, lintMessage, type LintOptions } from './conventional.ts';

const MERGES = ['skip', 'check'] as const;
const LISTED_IN_REASON = 10;

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
    const problems = inputProblems(ctx.inputs, true);
    if (problems[0]) return { ok: false, reason: `${problems[0].input}: ${problems[0].message}` };
    const opts: LintOptions = {
      types: (ctx.inputs['types'] as string[] | undefined) ?? DEFAULT_TYPES,
      headerMaxLength: Number(ctx.inputs['header-max-length'] ?? 100),
    };
    if (ctx.inputs['range'] !== undefined) return checkRange(ctx, String(ctx.inputs['range']), opts);
    if (ctx.inputs['base'] !== undefined) {
      const sha = String(ctx.expressions.sha || 'HEAD');
      const problem = revisionProblem(sha, 'the run commit');
      if (problem) return { ok: false, reason: problem };
      return checkRange(ctx, `${String(ctx.inputs['base'])}..${sha}`, opts);
    }
    return checkMessage(ctx, String(ctx.inputs['message'] ?? ctx.expressions.message ?? ''), opts);
  },
};

/** Conflicting inputs and unsafe revisions; values still holding `${{ }}` are checked once rendered. */
function inputProblems(
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

function checkMessage(ctx: ActionContext, message: string, opts: LintOptions): ActionResult {
  const result = lintMessage(message, opts);
  if (!result.ok) {
    for (const p of result.problems) ctx.log(`✖ ${p}`);
    return {
      ok: false,
      reason: `commit message is not a Conventional Commit: ${result.problems[0]}`,
      evidence: { 'commit.conventional': false },
    };
  }
  if (result.ignored) {
    ctx.log('merge, revert or fixup commit: not checked');
    return { ok: true, evidence: { 'commit.conventional': true } };
  }
  const h = result.header;
  ctx.log(`✔ ${h?.type}${h?.scope ? `(${h.scope})` : ''}${h?.breaking ? ' (breaking)' : ''}: ${h?.subject}`);
  return {
    ok: true,
    outputs: { type: h?.type ?? '', scope: h?.scope ?? '', breaking: String(h?.breaking ?? false) },
    evidence: { 'commit.conventional': true },
  };
}

async function checkRange(ctx: ActionContext, range: string, opts: LintOptions): Promise<ActionResult> {
  // read the range, oldest first
  let commits: Commit[];
  try {
    commits = (await readCommits(ctx.workingDirectory, range, ctx.signal)).reverse();
  } catch (err) {
    if (err instanceof CommitRangeError) return { ok: false, reason: err.message };
    throw err;
  }
  const checkMerges = ctx.inputs['merges'] === 'check';
  const checked = commits.filter((c) => checkMerges || !c.merge);
  const skipped = commits.length - checked.length;
  ctx.log(
    `${range}: ${commits.length} commit(s)${skipped > 0 ? `, ${skipped} merge commit(s) skipped` : ''}`,
  );

  // lint each commit
  const invalid: string[] = [];
  let breaking = false;
  for (const commit of checked) {
    const label = `${commit.shortSha} ${JSON.stringify(commit.message.split('\n')[0] ?? '')}`;
    const result = lintMessage(commit.message, opts);
    if (!result.ok) {
      for (const p of result.problems) ctx.log(`✖ ${label}: ${p}`);
      invalid.push(`${label} (${result.problems[0]})`);
    } else if (result.ignored) {
      ctx.log(`- ${label}: merge, revert or fixup commit, not checked`);
    } else {
      ctx.log(`✔ ${label}`);
      breaking ||= result.header?.breaking === true;
    }
  }

  const more = invalid.length > LISTED_IN_REASON ? `; and ${invalid.length - LISTED_IN_REASON} more` : '';
  return {
    ok: invalid.length === 0,
    ...(invalid.length > 0
      ? {
          reason: `${invalid.length} of ${checked.length} commit(s) in ${range} are not Conventional Commits: ${invalid.slice(0, LISTED_IN_REASON).join('; ')}${more}`,
        }
      : {}),
    outputs: { checked: String(checked.length), invalid: String(invalid.length), breaking: String(breaking) },
    evidence: {
      'commits.checked': checked.length,
      'commits.invalid': invalid.length,
      'commit.conventional': invalid.length === 0,
    },
  };
}
