import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, test } from 'node:test';
import { project, runDetail, runway, spawnRunway } from './helpers.ts';

const STEPS = 31;
const PIPELINE = `version: 1\nstages:\n  build:\n    steps:\n${Array.from(
  { length: STEPS },
  (_, i) => `      - { id: s${i}, run: 'sleep 0.05; echo "$RUNWAY_STEP" >> ledger.txt' }`,
).join('\n')}\n`;

/** Starts `runway run --json` and resolves once `n` steps have finished. */
function runUntilFinished(dir: string, n: number): Promise<{ child: ChildProcess; done: Promise<number> }> {
  const child = spawnRunway(['run', '--json', '--message', 'fix: own'], { cwd: dir });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return new Promise((resolve, reject) => {
    let seen = 0;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      seen += (chunk.match(/"type":"step\.finished"/g) ?? []).length;
      if (seen >= n) {
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve({ child, done });
      }
    });
    void done.then(() => reject(new Error(`runway ended early: ${stderr}`)));
  });
}

/** Gives run 1 to `pid` on this host, with a fresh heartbeat. */
function giveTo(dir: string, pid: number): void {
  const db = new DatabaseSync(join(dir, '.runway', 'runway.db'), { timeout: 10_000 });
  db.prepare('UPDATE runs SET owner_pid = ?, heartbeat_at = ? WHERE id = 1').run(
    pid,
    new Date().toISOString(),
  );
  db.close();
}

/**
 * Stops the runner with SIGSTOP at a moment it holds no write lock on the store (a stop in the middle
 * of a transaction would keep the database locked for as long as it lasts), then ages its lease.
 */
async function stopAndAge(child: ChildProcess, dir: string, host?: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    child.kill('SIGSTOP');
    try {
      ageLease(dir, host);
      return;
    } catch (err) {
      if (tries >= 50 || !/database is locked/.test((err as Error).message)) throw err;
      child.kill('SIGCONT');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Makes run 1's heartbeat look 16 s old (what a 16 s SIGSTOP leaves behind), optionally from another host. */
function ageLease(dir: string, host?: string): void {
  const db = new DatabaseSync(join(dir, '.runway', 'runway.db'), { timeout: 250 });
  const old = new Date(Date.now() - 16_000).toISOString();
  if (host) db.prepare('UPDATE runs SET heartbeat_at = ?, owner_host = ? WHERE id = 1').run(old, host);
  else db.prepare('UPDATE runs SET heartbeat_at = ? WHERE id = 1').run(old);
  db.close();
}

const counts = (dir: string): Map<string, number> => {
  const out = new Map<string, number>();
  for (const id of readFileSync(join(dir, 'ledger.txt'), 'utf8').trim().split('\n'))
    out.set(id, (out.get(id) ?? 0) + 1);
  return out;
};

test('a runner stopped with SIGSTOP past the stale time keeps its run: resume refuses, every step runs once', async () => {
  const dir = project(PIPELINE);
  const { child, done } = await runUntilFinished(dir, 5);
  after(() => child.kill('SIGCONT'));
  await stopAndAge(child, dir);

  const resume = await runway(['resume', '1'], { cwd: dir });
  assert.equal(resume.code, 2, resume.stdout + resume.stderr);
  assert.match(resume.stderr, /run 1 is still being executed by process \d+ on this host/);
  assert.doesNotMatch(resume.stderr, /at .*\.ts:\d+/, 'no stack trace');

  child.kill('SIGCONT');
  assert.equal(await done, 0);
  const run = await runDetail(dir, 1);
  assert.equal(run.status, 'succeeded');
  const seen = counts(dir);
  assert.equal(seen.size, STEPS);
  for (const [id, n] of seen) assert.equal(n, 1, `${id} ran exactly once`);
  assert.ok(run.steps.every((s) => s.attempts === 1));
});

test('a runner whose run was taken over stops before its next step and exits 1 naming the new owner', async () => {
  const dir = project(PIPELINE);
  const { child, done } = await runUntilFinished(dir, 5);
  after(() => child.kill('SIGCONT'));
  // the lease was held from another host and went stale: a resume here may take it
  await stopAndAge(child, dir, 'gone-host');
  const resume = spawnRunway(['resume', '1'], { cwd: dir });
  const resumed = new Promise<number>((resolve) => resume.on('close', (code) => resolve(code ?? -1)));
  await new Promise((r) => setTimeout(r, 300));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.kill('SIGCONT');
  assert.equal(await done, 1, stderr);
  assert.match(stderr, /run 1 was taken over by process \d+ on .*; this runner stopped/);
  assert.equal(await resumed, 0);

  const run = await runDetail(dir, 1);
  assert.equal(run.status, 'succeeded');
  const seen = counts(dir);
  assert.equal(seen.size, STEPS);
  const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  // only the step in flight when the lease moved may run again (another host cannot stop it)
  assert.ok(twice.length <= 1, `ran twice: ${twice.join(', ')}`);
  for (const id of twice) assert.equal(run.steps.find((s) => s.key === `build/${id}`)?.attempts, 2);
});

test('a dead runner whose pid now belongs to another program does not hold its run', async () => {
  const dir = project(PIPELINE);
  const { child, done } = await runUntilFinished(dir, 3);
  child.kill('SIGKILL');
  await done;
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    giveTo(dir, other.pid ?? 0);
    const resume = await runway(['resume', '1'], { cwd: dir });
    assert.equal(resume.code, 0, resume.stderr);
    assert.equal((await runDetail(dir, 1)).status, 'succeeded');
  } finally {
    other.kill('SIGKILL');
  }
});
