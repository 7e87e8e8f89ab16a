import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO, runway } from './helpers.ts';

const DIR = join(REPO, 'test', 'fixtures', 'invalid');

for (const name of readdirSync(DIR).filter((f) => f.endsWith('.yaml'))) {
  const file = join('test', 'fixtures', 'invalid', name);
  const header = /^# expect: (\d+):(\d+) (.*)$/.exec(
    readFileSync(join(REPO, file), 'utf8').split('\n')[0] ?? '',
  );
  assert.ok(header, `${name} needs an "# expect: line:col message" header`);
  const [, line, col, message] = header;

  test(`${name}: one file:line:col error, exit 2, nothing written`, async () => {
    for (const command of ['validate', 'run']) {
      const store = command === 'run' ? ['--store', join(DIR, '.runway', 'never.db')] : [];
      const res = await runway([command, '-f', file, ...store], { cwd: REPO });
      assert.equal(res.code, 2, `${command} exit code`);
      assert.equal(res.stdout, '');
      const lines = res.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `exactly one line: ${res.stderr}`);
      assert.match(lines[0] ?? '', new RegExp(`^${file.replace(/[.]/g, '\\.')}:${line}:${col}: ${message}`));
      assert.doesNotMatch(res.stderr, /\bat .*\.ts:\d+/, 'no stack trace');
    }
    assert.equal(existsSync(join(DIR, '.runway')), false, 'no store was created');
  });
}

test('a missing pipeline file is a config error naming the file', async () => {
  const res = await runway(['validate', '-f', 'nope.yaml'], { cwd: REPO });
  assert.equal(res.code, 2);
  assert.equal(res.stderr, 'nope.yaml:1:1: cannot read the pipeline file: no such file\n');
});
