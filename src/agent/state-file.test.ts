import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from './agent.fixture.ts';
import { formatEvent } from './log.ts';
import { EMPTY_STATE, readState, writeJsonAtomic } from './state-file.ts';

const tmp = tempDir('runway-state-');
after(() => tmp.cleanup());

test('writeJsonAtomic replaces the file whole, private to its owner, and leaves no temp file', () => {
  const path = join(tmp.dir, 'desired.json');
  writeJsonAtomic(path, { format: 1, sites: {} });
  writeJsonAtomic(path, { format: 1, sites: {}, again: true });
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { format: 1, sites: {}, again: true });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(tmp.dir), ['desired.json']);
});

test('readState: missing is empty, damaged names the file and the problem', () => {
  assert.equal(readState(join(tmp.dir, 'none.json')), EMPTY_STATE);
  const path = join(tmp.dir, 'damaged.json');
  writeFileSync(path, '{"format":1,"sites":{"a/b":{"desired":{"service":"a"},"ports":{}}}}');
  assert.throws(
    () => readState(path),
    new RegExp(`${path} is damaged: invalid desired state: environment must match`),
  );
  writeFileSync(path, '{"format":1,"sit');
  assert.throws(() => readState(path), /is damaged: .*JSON/);
});

test('log lines carry the time and what happened, never environment values', () => {
  const at = new Date('2025-01-02T03:04:05.000Z');
  assert.equal(
    formatEvent(
      { type: 'site-applied', site: 'web/prod', versions: ['v1', 'v2'], weights: { v1: 900, v2: 100 } },
      at,
    ),
    '2025-01-02T03:04:05.000Z site web/prod applied: versions v1, v2; weights v1=900 v2=100',
  );
  const crash = {
    key: 'web/v1/0',
    at: at.toISOString(),
    type: 'crash-loop' as const,
    restarts: 3,
    windowMs: 300_000,
  };
  assert.equal(
    formatEvent({ type: 'instance', site: 'web/prod', event: crash }, at),
    '2025-01-02T03:04:05.000Z instance web/prod web/v1/0 crash loop: 3 restarts within 300s',
  );
});
