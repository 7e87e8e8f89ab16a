import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { actionsJob, fromEvent } from './actions-context.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/github/${name}`, import.meta.url), 'utf8'));

describe('GitHub Actions context', () => {
  it('is absent outside Actions', () => {
    assert.equal(actionsJob({ GITHUB_SHA: 'abc' }), undefined);
  });

  it('reads a pull request’s number, labels and author from the recorded event', () => {
    assert.deepEqual(fromEvent(fixture('pull_request-opened.json')), {
      pullRequest: 2,
      labels: ['bug'],
      author: 'Codertocat',
    });
  });

  it('reads a push’s head commit message, author and time', () => {
    assert.deepEqual(fromEvent(fixture('push-new-branch-with-commit.json')), {
      message: 'Initial commit',
      committedAt: '2019-05-15T15:19:25Z',
      author: 'Codertocat <21031067+Codertocat@users.noreply.github.com>',
    });
  });

  it("takes a pull request's branch from GITHUB_HEAD_REF, not its merge ref", () => {
    const job = actionsJob({
      GITHUB_ACTIONS: 'true',
      GITHUB_REF: 'refs/pull/2/merge',
      GITHUB_HEAD_REF: 'changes',
      GITHUB_EVENT_NAME: 'pull_request',
    });
    assert.deepEqual(job?.context, { ref: 'refs/pull/2/merge', branch: 'changes', trigger: 'pull_request' });
  });

  it('warns and goes on when the event file cannot be read', () => {
    const job = actionsJob({
      GITHUB_ACTIONS: 'true',
      GITHUB_SHA: 'abc',
      GITHUB_EVENT_PATH: '/nonexistent/event.json',
    });
    assert.deepEqual(job?.context, { sha: 'abc' });
    assert.match(job?.warnings[0] ?? '', /cannot read the event file \/nonexistent\/event.json/);
  });
});
