import assert from 'node:assert/strict';
import { test } from 'node:test';
import { project, runDetail, runway } from './helpers.ts';

test(
  'a catastrophic `matches` pattern on a hostile commit message ends the run at once',
  { timeout: 60_000 },
  async () => {
    const dir = project(`version: 1
stages:
  release:
    timeout: 10s
    if: 'message.matches("^(a+)+$")'
    steps:
      - run: echo never
  build:
    steps:
      - run: echo built
`);
    const res = await runway(['run', '--message', `${'a'.repeat(40)}!`], { cwd: dir });
    assert.equal(res.code, 0, res.stderr);
    const run = await runDetail(dir, 1);
    assert.deepEqual(
      run.stages.map((s) => [s.name, s.status]),
      [
        ['release', 'skipped'],
        ['build', 'succeeded'],
      ],
    );
  },
);

test('a pattern that needs backtracking is refused at load time with its position', async () => {
  const dir = project(`version: 1
stages:
  release:
    if: 'message.matches("^(fix|feat)\\\\1")'
    steps:
      - run: echo never
`);
  const res = await runway(['validate'], { cwd: dir });
  assert.equal(res.code, 2);
  assert.match(res.stderr, /runway\.yaml:4:\d+/);
  assert.match(res.stderr, /backreferences and lookaround are not supported/);
  assert.doesNotMatch(res.stderr, /internal error/);
});
