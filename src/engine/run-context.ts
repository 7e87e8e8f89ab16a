import { execFileSync } from 'node:child_process';
import type { RunContext } from '../records/run-context.ts';

export type { RunContext };

export type ContextOverrides = Partial<RunContext>;

/** Reads the run context from git in `dir`, with overrides (from flags) taking precedence. */
export function readRunContext(dir: string, overrides: ContextOverrides = {}): RunContext {
  const git = (...args: string[]): string | undefined => {
    try {
      return execFileSync('git', args, {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return undefined;
    }
  };
  const needGit = ['sha', 'ref', 'message', 'author', 'committedAt'].some(
    (k) => overrides[k as keyof RunContext] === undefined,
  );
  const log = needGit ? git('log', '-1', '--format=%H%x00%an <%ae>%x00%cI%x00%B') : undefined;
  const [sha, author, committedAt, message] = log ? log.split('\0') : [];
  const symbolic = needGit && overrides.ref === undefined ? git('symbolic-ref', '-q', 'HEAD') : undefined;
  const ref = overrides.ref ?? symbolic ?? (sha ? 'HEAD' : '');
  return {
    sha: overrides.sha ?? sha ?? '',
    ref,
    branch: overrides.branch ?? ref.replace(/^refs\/(heads|tags)\//, ''),
    message: overrides.message ?? (message ?? '').trim(),
    author: overrides.author ?? author ?? '',
    committedAt: overrides.committedAt ?? committedAt ?? '',
    trigger: overrides.trigger ?? 'manual',
    ...(overrides.pullRequest === undefined ? {} : { pullRequest: overrides.pullRequest }),
    ...(overrides.labels === undefined ? {} : { labels: overrides.labels }),
    ...(overrides.at === undefined ? {} : { at: overrides.at }),
  };
}
