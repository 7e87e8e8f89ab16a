import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runway } from './helpers.ts';

describe('runway init', () => {
  it('writes a pipeline and a sample service that validate and run to success', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'runway-init-')), 'Payments API');
    const init = await runway(['init', dir, '--json'], { cwd: tmpdir() });
    assert.equal(init.code, 0, init.stderr);
    const made = JSON.parse(init.stdout) as { service: string; files: string[] };
    assert.equal(made.service, 'payments-api');
    assert.deepEqual(made.files.sort(), [
      '.gitignore',
      'package-lock.json',
      'package.json',
      'runway.yaml',
      'server.js',
      'test/server.test.js',
    ]);
    assert.match(readFileSync(join(dir, 'runway.yaml'), 'utf8'), /^name: payments-api$/m);
    const run = await runway(['run', '--message', 'feat: first'], { cwd: dir });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /3 tests: 3 passed/);
    assert.match(run.stdout, /0 allowed, 0 denied, 0 unknown/);
  });

  it('overwrites nothing: an existing runway.yaml stops it before any file is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runway-init-'));
    writeFileSync(join(dir, 'runway.yaml'), 'mine\n');
    const res = await runway(['init'], { cwd: dir });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /init writes nothing over existing files: runway\.yaml already exist/);
    assert.equal(readFileSync(join(dir, 'runway.yaml'), 'utf8'), 'mine\n');
    assert.throws(() => readFileSync(join(dir, 'server.js')));
  });

  it('refuses a service name runway.yaml would refuse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runway-init-'));
    const res = await runway(['init', '--name', 'Bad Name'], { cwd: dir });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /invalid service name "Bad Name" — expected lowercase letters/);
  });
});
