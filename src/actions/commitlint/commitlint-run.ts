/* What `commitlint` does when its step runs; loaded on the step's first run (see commitlint.ts). */
import { CommitRangeError, readCommits, revisionProblem, type Commit } from './commits.ts';
import { inputProblems } from './commitlint.ts';
import { DEFAULT_TYPES, lintMessage, type LintOptions } from './conventional.ts';
import type { ActionContext, ActionResult } from '../action.ts';

const LISTED_IN_REASON = 10;

export async function run(ctx: ActionContext): Promise<ActionResult> {
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
