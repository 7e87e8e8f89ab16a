import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { ActionContext, ActionResult } from '../action.ts';
import { commitlint } from './commitlint.ts';
import { rangeProblem, readCommits } from './commits.ts';

const scratch = mkdtempSync(join(tmpdir(), 'runway-commitlint-'));
const repo = join(scratch, 'repo');
after(() => rmSync(scratch, { recursive: true, force: true }));

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Ada',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
};
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: repo, env: GIT_ENV, encoding: 'utf8', stdio: 'pipe' }).trim();
const commit = (message: string) => {
  git('commit', '--allow-empty', '-q', '-m', message);
  return git('rev-parse', '--short', 'HEAD');
};

/** Short shas of the commits made in `before`, by name. */
const sha: Record<string, string> = {};

before(() => {
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: GIT_ENV });
  sha['base'] = commit('chore: start');
  git('switch', '-q', '-c', 'good');
  sha['fix'] = commit('fix(cart): handle empty carts');
  sha['feat'] = commit('feat!: drop v1 routes\n\nBREAKING CHANGE: v1 is gone');
  git('switch', '-q', '-c', 'bad');
  sha['bad'] = commit('Add quotes endpoint');
  sha['dot'] = commit('docs: explain quotes.');
  git('switch', '-q', '-c', 'merged', 'good');
  git('switch', '-q', '-c', 'side', 'main');
  sha['side'] = commit('test: cover carts');
  git('switch', '-q', 'merged');
  git('merge', '-q', '--no-ff', '-m', 'bring side in', 'side');
  sha['merge'] = git('rev-parse', '--short', 'HEAD');
});

/** Runs the action in `dir` with `inputs`, the run commit being `expressions`. */
async function lint(
  inputs: Record<string, unknown>,
  expressions: Record<string, unknown> = {},
  dir = repo,
): Promise<ActionResult & { log: string }> {
  const lines: string[] = [];
  const ctx = {
    inputs,
    expressions,
    workingDirectory: dir,
    root: dir,
    log: (l: string) => lines.push(l),
    signal: new AbortController().signal,
  };
  const result = await commitlint.run(ctx as unknown as ActionContext);
  return { ...result, log: lines.join('\n') };
}

describe('commitlint over a range', () => {
  it('passes a range of Conventional Commits, oldest first, and says if one breaks', async () => {
    const r = await lint({ range: 'main..good' });
    assert.equal(r.ok, true, r.reason);
    assert.deepEqual(r.evidence, { 'commits.checked': 2, 'commits.invalid': 0, 'commit.conventional': true });
    assert.deepEqual(r.outputs, { checked: '2', invalid: '0', breaking: 'true' });
    assert.equal(
      r.log,
      [
        'main..good: 2 commit(s)',
        `✔ ${sha['fix']} "fix(cart): handle empty carts"`,
        `✔ ${sha['feat']} "feat!: drop v1 routes"`,
      ].join('\n'),
    );
  });

  it('fails a range with bad commits, naming each by short sha and subject', async () => {
    const r = await lint({ range: 'main..bad' });
    assert.equal(r.ok, false);
    assert.equal(
      r.reason,
      `2 of 4 commit(s) in main..bad are not Conventional Commits: ` +
        `${sha['bad']} "Add quotes endpoint" (the header "Add quotes endpoint" does not match "type(scope)?: subject"); ` +
        `${sha['dot']} "docs: explain quotes." (the subject must not end with a full stop)`,
    );
    assert.deepEqual(r.evidence, {
      'commits.checked': 4,
      'commits.invalid': 2,
      'commit.conventional': false,
    });
    assert.match(r.log, new RegExp(`^✖ ${sha['bad']} "Add quotes endpoint": the header`, 'm'));
  });

  it('base: checks <base>..<the run commit>, or ..HEAD without one', async () => {
    const good = git('rev-parse', 'good');
    const r = await lint({ base: 'main' }, { sha: good });
    assert.equal(r.ok, true, r.reason);
    assert.match(r.log, new RegExp(`^main\\.\\.${good}: 2 commit\\(s\\)$`, 'm'));
    git('switch', '-q', 'bad');
    const head = await lint({ base: 'good' }, { sha: '' });
    assert.equal(head.evidence?.['commits.invalid'], 2);
    assert.match(head.reason ?? '', /^2 of 2 commit\(s\) in good\.\.HEAD /);
  });

  it('skips merge commits by default and checks them with merges: check', async () => {
    const skipped = await lint({ range: 'main..merged' });
    assert.equal(skipped.ok, true, skipped.reason);
    assert.match(skipped.log, /^main\.\.merged: 4 commit\(s\), 1 merge commit\(s\) skipped$/m);
    assert.equal(skipped.evidence?.['commits.checked'], 3);
    const checked = await lint({ range: 'main..merged', merges: 'check' });
    assert.equal(checked.evidence?.['commits.checked'], 4);
    assert.match(
      checked.reason ?? '',
      new RegExp(`^1 of 4 commit\\(s\\) .*: ${sha['merge']} "bring side in" \\(`),
    );
  });

  it("accepts git's own merge messages when merges are checked", async () => {
    git('switch', '-q', '-c', 'default-merge', 'good');
    git('merge', '-q', '--no-ff', '--no-edit', 'side');
    const r = await lint({ range: 'good..default-merge', merges: 'check' });
    assert.equal(r.ok, true, r.reason);
    assert.match(
      r.log,
      /^- [0-9a-f]+ "Merge branch 'side' into default-merge": merge, revert or fixup commit/m,
    );
  });

  it('passes an empty range with nothing checked', async () => {
    const r = await lint({ range: 'good..good' });
    assert.equal(r.ok, true);
    assert.deepEqual(r.evidence, { 'commits.checked': 0, 'commits.invalid': 0, 'commit.conventional': true });
  });

  it('gives a clear error for an unknown revision and outside a repository', async () => {
    const unknown = await lint({ range: 'nope..HEAD' });
    assert.equal(unknown.ok, false);
    assert.equal(
      unknown.reason,
      `git cannot read range "nope..HEAD" in ${repo}: fatal: bad revision 'nope..HEAD'`,
    );
    const base = await lint({ base: 'origin/main' }, { sha: 'HEAD' });
    assert.equal(
      base.reason,
      `git cannot read range "origin/main..HEAD" in ${repo}: fatal: bad revision 'origin/main..HEAD'`,
    );
    const outside = await lint({ range: 'main..HEAD' }, {}, scratch);
    assert.match(
      outside.reason ?? '',
      /^git cannot read range "main\.\.HEAD" in .*: fatal: not a git repository/,
    );
  });

  it('refuses option and shell injection in range and base, creating nothing', async () => {
    const target = join(scratch, 'x');
    const pwned = join(scratch, 'pwned');
    const attempts = [
      `--output=${target}`,
      `-o${target}`,
      `main..--output=${target}`,
      `$(touch ${pwned})`,
      `\`touch ${pwned}\``,
      `main..HEAD;touch ${pwned}`,
      `main..HEAD --output=${target}`,
      'main..HEAD\n--output=x',
      'a..b..c',
      '..',
      'x'.repeat(257),
    ];
    for (const range of attempts) {
      const r = await lint({ range });
      assert.equal(r.ok, false, range);
      assert.match(
        r.reason ?? '',
        /^range: range ".*" (is not a revision range|names no revision|is longer)/s,
        range,
      );
      assert.equal(r.evidence, undefined);
      await assert.rejects(readCommits(repo, range), /CommitRangeError/);
    }
    for (const base of [`--output=${target}`, `$(touch ${pwned})`, 'main..HEAD'])
      assert.match((await lint({ base })).reason ?? '', /^base: base ".*" is not a single revision/, base);
    const sha = await lint({ base: 'main' }, { sha: `--output=${target}` });
    assert.match(sha.reason ?? '', /^the run commit "--output=.*" is not a single revision/);
    assert.equal(existsSync(target), false);
    assert.equal(existsSync(pwned), false);
    assert.deepEqual(readdirSync(scratch), ['repo']);
  });
});

describe('commitlint inputs', () => {
  const check = (inputs: Record<string, unknown>) => commitlint.check?.(inputs, {} as never) ?? [];

  it('rejects an unsafe range or base when the pipeline loads', () => {
    assert.deepEqual(check({ range: '--output=/tmp/x' }), [
      {
        input: 'range',
        message:
          'range "--output=/tmp/x" is not a revision range like "origin/main..HEAD": each side must start with a letter, digit, "_" or "@" and use only letters, digits and . _ / @ ^ ~ { } ! + -',
      },
    ]);
    assert.deepEqual(check({ base: '$(id)' }), [
      {
        input: 'base',
        message: 'base "$(id)" is not a single revision such as "origin/main" or a commit sha',
      },
    ]);
    assert.deepEqual(check({ range: '${{ env.RANGE }}' }), []);
    assert.deepEqual(check({ range: 'origin/main..HEAD', merges: 'check' }), []);
  });

  it('rejects conflicting inputs when the pipeline loads', () => {
    assert.deepEqual(
      check({ message: 'fix: x', range: 'a..b', base: 'a' }).map((p) => p.input),
      ['message', 'base'],
    );
    assert.deepEqual(check({ merges: 'check' }), [
      { input: 'merges', message: 'merges applies only with range or base' },
    ]);
  });

  it('declares range, base and merges beside the message inputs', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(commitlint.inputs);
    assert.ok(validate({ range: 'origin/main..HEAD', merges: 'skip', types: ['feat'] }));
    assert.ok(validate({ base: 'origin/main', merges: 'check' }));
    for (const bad of [{ range: '' }, { base: 1 }, { merges: 'yes' }, { ranges: 'a..b' }])
      assert.equal(validate(bad), false, JSON.stringify(bad));
  });

  it('without a range still checks the run commit message', async () => {
    const ok = await lint({}, { message: 'feat(api): add quotes' });
    assert.deepEqual(ok.outputs, { type: 'feat', scope: 'api', breaking: 'false' });
    assert.deepEqual(ok.evidence, { 'commit.conventional': true });
    const bad = await lint({ message: 'Add quotes' });
    assert.match(bad.reason ?? '', /^commit message is not a Conventional Commit: the header "Add quotes"/);
  });
});

describe('rangeProblem', () => {
  it('accepts the usual revision ranges', () => {
    for (const range of [
      'origin/main..HEAD',
      'main...feature/x',
      'v1.2.0..v1.3.0-rc.1',
      'HEAD~3..',
      '..HEAD',
      'HEAD^!',
      '@{u}..',
      'HEAD@{1}..HEAD',
      '4d6fea0f..HEAD^2',
      'release_2024+build',
    ])
      assert.equal(rangeProblem(range), undefined, range);
  });
});
