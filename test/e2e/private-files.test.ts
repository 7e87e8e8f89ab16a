import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
  for (const path of paths) {
    const st = statSync(path);
    assert.equal(st.mode & 0o077, 0, `${path} is ${(st.mode & 0o777).toString(8)}`);
  }
});
