import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { alive, project, runDetail, runway, spawnRunway } from './helpers.ts';

const PIPELINE = `
version: 1
stages:
  build:
    steps:
      - { id: s1, run: 'echo "$RUNWAY_STEP" >> ledger.txt' }
      # the first attempt outlives its killed runner long enough (15 s) for resume to find it alive
      - { id: s2, run: 'echo $$ > s2.pid; [ -e s2.slept ] || { touch s2.slept; sleep 15; }; echo "$RUNWAY_STEP" >> ledger.txt' }
      - { id: s3, run: 'echo "$RUNWAY_STEP" >> ledger.txt' }
  deploy:
    needs: build
    steps:
      - { id: d1, run: 'echo "$RUNWAY_STEP" >> ledger.txt; echo "ok=yes" >> "$RUNWAY_OUTPUT"' }
`;

/** Starts `runway run --json` and kills it with SIGKILL once `predicate` matches an event. */
async function runUntil(
  dir: string,
  predicate: (e: { type: string; data: Record<string, unknown> }) => boolean,
) {
  const child = spawnRunway(['run', '--json', '--message', 'fix: crash'], { cwd: dir });
  let buffer = '';
  await new Promise<void>((resolve, reject) => {
    child.on('close', () => reject(new Error('runway ended before the kill point')));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (predicate(JSON.parse(line) as { type: string; data: Record<string, unknown> })) {
          child.kill('SIGKILL');
          child.removeAllListeners('close');
          child.on('close', () => resolve());
        }
      }
    });
  });
}

const ledger = (dir: string) => readFileSync(join(dir, 'ledger.txt'), 'utf8').trim().split('\n');

test('kill -9 mid-step, then resume: finished steps are kept, the interrupted one re-runs, the run completes', async () => {
  const dir = project(PIPELINE);
  await runUntil(dir, (e) => e.type === 'step.process' && e.data['step'] === 'build/s2');

  const crashed = await runDetail(dir, 1);
  assert.equal(crashed.status, 'running');
  assert.equal(crashed.displayStatus, 'orphaned');
  assert.equal(crashed.steps.find((s) => s.key === 'build/s1')?.status, 'succeeded');
  assert.equal(crashed.steps.find((s) => s.key === 'build/s2')?.status, 'running');
  const orphan = Number(readFileSync(join(dir, 's2.pid'), 'utf8'));
  assert.equal(alive(orphan), true, 'the step process outlived its runner');

  const resumed = await runway(['resume', '1'], { cwd: dir });
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.equal(alive(orphan), false, 'resume stopped the orphaned step before re-running it');

  const run = await runDetail(dir, 1);
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(
    run.steps.map((s) => [s.key, s.status, s.attempts]),
    [
      ['build/s1', 'succeeded', 1],
      ['build/s2', 'succeeded', 2],
      ['build/s3', 'succeeded', 1],
      ['deploy/d1', 'succeeded', 1],
    ],
  );
  assert.deepEqual(ledger(dir), ['s1', 's2', 's3', 'd1'], 'each step ran to completion exactly once');
  assert.deepEqual(run.outputs['deploy/d1'], { ok: 'yes' });
  assert.match(
    readFileSync(run.steps[1]?.logPath ?? '', 'utf8'),
    /attempt 2 \(re-run after the previous runner stopped\)/,
  );

  const again = await runway(['resume', '1'], { cwd: dir });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /run 1 already ended: succeeded/);
});

test('kill -9 at random moments, resumed each time: every step completes and none is lost', async () => {
  const steps = Array.from(
    { length: 12 },
    (_, i) => `      - { id: s${i}, run: 'sleep 0.05; echo "$RUNWAY_STEP" >> ledger.txt' }`,
  );
  const dir = project(
    `version: 1\nstages:\n  a:\n    steps:\n${steps.slice(0, 6).join('\n')}\n  b:\n    needs: a\n    steps:\n${steps.slice(6).join('\n')}\n`,
  );
  let seen = 0;
  const killAt = [3, 7, 12, 18];
  await runUntil(dir, (e) => e.type === 'step.finished' && ++seen === killAt[0]);
  for (const n of killAt.slice(1)) {
    seen = 0;
    const child = spawnRunway(['resume', '1', '--json'], { cwd: dir });
    await new Promise<void>((resolve) => {
      let count = 0;
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        count += (chunk.match(/"type":"step\.(started|process|finished)"/g) ?? []).length;
        if (count >= n - 2) child.kill('SIGKILL');
      });
      child.on('close', () => resolve());
    });
  }
  const final = await runway(['resume', '1'], { cwd: dir });
  const run = await runDetail(dir, 1);
  if (run.status === 'running') assert.equal(final.code, 0, final.stderr);
  assert.equal(run.status, 'succeeded');
  const counts = new Map<string, number>();
  for (const id of ledger(dir)) counts.set(id, (counts.get(id) ?? 0) + 1);
  for (const step of run.steps) {
    const id = step.key.split('/')[1] ?? '';
    assert.equal(step.status, 'succeeded', step.key);
    assert.ok((counts.get(id) ?? 0) >= 1, `${step.key} completed`);
    assert.ok(
      (counts.get(id) ?? 0) <= step.attempts,
      `${step.key} never re-ran after it was recorded as finished`,
    );
  }
});
