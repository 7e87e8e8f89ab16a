import type { ExecFileOptionsWithStringEncoding } from 'node:child_process';
import { promisify } from 'node:util';

/** One commit of a range, as `git log` reports it. */
export interface Commit {
  sha: string;
  shortSha: string;
  /** The full message; its first line is the subject. */
  message: string;
  merge: boolean;
}

/** A range git cannot read (unknown revision, not a repository) or one we refuse to pass to git. */
export class CommitRangeError extends Error {
  override name = 'CommitRangeError';
}

const MAX_RANGE_LENGTH = 256;
const REVISION = /^[A-Za-z0-9_@][A-Za-z0-9_./@^~{}!+-]*$/;

/**
 * Why `range` is not a revision range we pass to git, or `undefined` when it is: one revision, or two
 * around `..` or `...` (either may be empty), each starting with a letter, digit, `_` or `@` and made of
 * ref-name characters only, so that it can never be read as an option or by a shell.
 * @example rangeProblem('origin/main..HEAD') // undefined
 */
export function rangeProblem(range: string): string | undefined {
  const bad = `range ${JSON.stringify(range)}`;
  if (range.length > MAX_RANGE_LENGTH) return `${bad} is longer than ${MAX_RANGE_LENGTH} characters`;
  const m = /^(.*?)(\.\.\.?)(.*)$/.exec(range);
  const sides = m ? [m[1] ?? '', m[3] ?? ''] : [range];
  if (sides.every((s) => s === '')) return `${bad} names no revision`;
  if (sides.some((s) => s !== '' && (!REVISION.test(s) || s.includes('..'))))
    return `${bad} is not a revision range like "origin/main..HEAD": each side must start with a letter, digit, "_" or "@" and use only letters, digits and . _ / @ ^ ~ { } ! + -`;
  return undefined;
}

/** Why `revision` is not a single revision we pass to git (see `rangeProblem`), or `undefined`. */
export function revisionProblem(revision: string, name = 'revision'): string | undefined {
  if (revision.length > MAX_RANGE_LENGTH || !REVISION.test(revision) || revision.includes('..'))
    return `${name} ${JSON.stringify(revision)} is not a single revision such as "origin/main" or a commit sha`;
  return undefined;
}

/** Runs `file` without a shell; node:child_process loads at the first call, not at start-up. */
function run(file: string, args: string[], options: ExecFileOptionsWithStringEncoding) {
  return promisify(process.getBuiltinModule('node:child_process').execFile)(file, args, options);
}

/**
 * Reads the commits of `range` in `dir`, newest first, with `git log -z` and no shell; the range is
 * checked with `rangeProblem` and passed after `--end-of-options`.
 * @example await readCommits('.', 'origin/main..HEAD') // [{ sha, shortSha, message, merge }, ...]
 */
export async function readCommits(dir: string, range: string, signal?: AbortSignal): Promise<Commit[]> {
  const problem = rangeProblem(range);
  if (problem) throw new CommitRangeError(problem);
  const args = [
    'log',
    '-z',
    '--no-color',
    '--no-show-signature',
    '--encoding=UTF-8',
    '--format=%H%n%h%n%P%n%B',
    '--end-of-options',
    range,
    '--',
  ];
  let stdout: string;
  try {
    ({ stdout } = await run('git', args, {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
      env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' },
      ...(signal ? { signal } : {}),
    }));
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    const why = stderr.split('\n').find((l) => l.trim() !== '') ?? (err as Error).message;
    throw new CommitRangeError(`git cannot read range ${JSON.stringify(range)} in ${dir}: ${why}`);
  }
  return stdout
    .split('\0')
    .filter((record) => record.trim() !== '')
    .map((record) => {
      const [sha = '', shortSha = '', parents = '', ...message] = record.split('\n');
      return {
        sha,
        shortSha,
        message: message.join('\n').trim(),
        merge: parents.trim().split(/\s+/).length > 1,
      };
    });
}
