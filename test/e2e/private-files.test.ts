import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { project, runDetail, runway } from './helpers.ts';

/** Every file and folder under `dir`, recursively. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? [path, ...walk(path)] : [path];
  });
}

test('the store, its WAL and every run log are readable by their owner only', async () => {
  const dir = project(`version: 1
secrets:
  TOKEN: { env: DEPLOY_TOKEN }
stages:
  build:
    steps:
      - run: echo "token is $TOKEN"
        env: { TOKEN: '\${{ secrets.TOKEN }}' }
  quiet:
    steps:
      - run: 'true'
      - run: echo "v=1" >> "$RUNWAY_OUTPUT"
`);
  const res = await runway(['run'], { cwd: dir, env: { DEPLOY_TOKEN: 's3cr3t-value' } });
  assert.equal(res.code, 0, res.stderr);
  const run = await runDetail(dir, 1);
  const log = run.steps[0]?.logPath ?? '';
  assert.ok(existsSync(log));
  const state = join(dir, '.runway');
  const paths = [state, ...walk(state)];
  assert.ok(paths.some((p) => p.endsWith('runway.db')));
  assert.ok(paths.includes(log));
  // a log and its folder are made on the first line: a stage whose steps print nothing has neither
  const quiet = run.steps.filter((s) => s.key.startsWith('quiet/'));
  assert.deepEqual(
    quiet.map((s) => [s.status, existsSync(s.logPath ?? '')]),
    [
      ['succeeded', false],
      ['succeeded', false],
    ],
  );
  assert.ok(!existsSync(join(dirname(log), '..', 'quiet')));
  // the files a step writes its outputs to are removed once read
  assert.deepEqual(
    paths.filter((p) => p.endsWith('.output') || p.endsWith('.evidence')),
    [],
  );
  for (const path of paths) {
    const st = statSync(path);
    assert.equal(st.mode & 0o077, 0, `${path} is ${(st.mode & 0o777).toString(8)}`);
  }
});
