import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { project, runDetail, runway } from './helpers.ts';

const HOSTILE = '$(touch pwned) `touch pwned2`; touch pwned3 && echo "$(touch pwned4)"';

test('a hostile commit message reaches steps as data and runs nothing', async () => {
  const dir = project(`
version: 1
stages:
  commit:
    steps:
      - id: echo
        run: |
          echo "message: \${{ message }}"
          echo \${{ message }}
          printf '%s\\n' "$RUNWAY_COMMIT_MESSAGE"
          echo "out=\${{ message }}" >> "$RUNWAY_OUTPUT"
      - run: echo "again \${{ steps.echo.outputs.out }}"
      - run: echo "$MSG"
        env: { MSG: 'msg \${{ message }}' }
      - if: message.contains("pwned")
        run: echo "conditions see the text"
`);
  const res = await runway(['run', '--message', HOSTILE, '--ref', HOSTILE], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const created = readdirSync(dir).filter((f) => f.startsWith('pwned'));
  assert.deepEqual(created, [], `files created by injected commands: ${created.join(', ')}`);
  assert.ok(!existsSync(join(dir, 'pwned')));
  assert.ok(res.stdout.includes(`message: ${HOSTILE}`), 'the message was printed literally');
  assert.ok(res.stdout.includes(`again ${HOSTILE}`), 'outputs carry the literal text');
  assert.ok(res.stdout.includes(`msg ${HOSTILE}`));
  assert.ok(res.stdout.includes('conditions see the text'));
  const run = await runDetail(dir, 1);
  assert.equal(run.context.message, HOSTILE);
  assert.equal(run.context.ref, HOSTILE);
});
