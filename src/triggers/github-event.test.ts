import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { decideGithubEvent } from './github-event.ts';
import { resolveTriggers } from './triggers.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/github/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const push = fixture('push-new-branch-with-commit.json');
const opened = fixture('pull_request-opened.json');

test('a recorded push to a branch in on.push.branches starts a run with its commit', () => {
  const d = decideGithubEvent(resolveTriggers({ push: { branches: ['master'] } }), 'push', push);
  assert.ok(d.start);
  assert.equal(d.context.sha, '6113728f27ae82c7b1a177c8d03f9e96e0adf246');
  assert.equal(d.context.ref, 'refs/heads/master');
  assert.equal(d.context.trigger, 'push');
  assert.equal(d.context.message, 'Initial commit');
});

test('branch, tag and path filters refuse with the reason', () => {
  const main = resolveTriggers({ push: { branches: ['main', 'release/**'] } });
  const d = decideGithubEvent(main, 'push', push);
  assert.deepEqual(d, {
    start: false,
    why: 'branch master does not match on.push.branches (main, release/**)',
  });
  assert.ok(decideGithubEvent(main, 'push', { ...push, ref: 'refs/heads/release/2026/12' }).start);
  const paths = resolveTriggers({ push: { branches: ['master'], paths: ['src/**'] } });
  assert.match((decideGithubEvent(paths, 'push', push) as { why: string }).why, /no changed file matches/);
  assert.ok(decideGithubEvent(resolveTriggers({ push: { paths: ['README.md'] } }), 'push', push).start);
  const tag = { ...push, ref: 'refs/tags/v1.2.0' };
  assert.equal(decideGithubEvent(main, 'push', tag).start, false);
  assert.ok(decideGithubEvent(resolveTriggers({ push: { tags: ['v*'] } }), 'push', tag).start);
  assert.equal(decideGithubEvent(undefined, 'push', push).start, false);
});

test('a pull_request carries its number and labels into the run context', () => {
  const on = resolveTriggers({ pull_request: { branches: ['master'] } });
  const d = decideGithubEvent(on, 'pull_request', opened);
  assert.ok(d.start);
  assert.equal(d.context.pullRequest, 2);
  assert.deepEqual(d.context.labels, ['bug']);
  assert.equal(d.context.ref, 'refs/pull/2/merge');
  assert.equal(d.context.trigger, 'pull_request');
  const closed = { ...opened, action: 'closed' };
  assert.match((decideGithubEvent(on, 'pull_request', closed) as { why: string }).why, /closed is not in/);
  assert.ok(
    decideGithubEvent(resolveTriggers({ pull_request: { types: ['closed'] } }), 'pull_request', closed).start,
  );
});

test('any payload (fuzzed JSON) gets a decision, never an exception', () => {
  const on = resolveTriggers({ push: { branches: ['main'], paths: ['src/**'] }, pull_request: {} });
  fc.assert(
    fc.property(
      fc.constantFrom('push', 'pull_request', 'ping', 'issues'),
      fc.jsonValue(),
      (event, payload) => {
        const d = decideGithubEvent(on, event, payload);
        assert.equal(typeof d.start, 'boolean');
      },
    ),
  );
});
