import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessSpec } from '../executor.ts';
import { LocalExecutor } from './local-executor.ts';
import { groupAlive } from './process-group.ts';

function spec(script: string, extra: Partial<ProcessSpec> = {}): ProcessSpec & { out: () => string } {
  let out = '';
  return {
    script,
    cwd: import.meta.dirname,
    env: { PATH: '/usr/bin:/bin' },
    secrets: ['hunter2'],
    onOutput: (text) => {
      out += text;
    },
    out: () => out,
    ...extra,
  };
}

/** Runs steps until one is started by the spawn server (its parent is not this process). */
async function warmedUp(executor: LocalExecutor): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const s = spec('echo $PPID');
    await executor.run(s);
    if (Number(s.out().trim()) !== process.pid) return;
    await sleep(10);
  }
  assert.fail('the spawn server never took over');
}

describe('steps started by the spawn server', () => {
  it('start from the server once a few have run, and behave as if started here', async () => {
    const executor = new LocalExecutor('bash', { spawnServer: true });
    const first = spec('echo $PPID');
    await executor.run(first);
    assert.equal(Number(first.out().trim()), process.pid, 'the first steps start from the runner');
    await warmedUp(executor);

    const masked = spec('echo "token hunter2" && echo err >&2 && exit 3');
    const result = await executor.run(masked);
    assert.equal(result.exitCode, 3);
    assert.equal(masked.out(), 'token ***\nerr\n');

    const missing = spec('no-such-program');
    assert.equal((await executor.run(missing)).exitCode, 127);
    assert.match(missing.out(), /no-such-program: command not found/);

    let pgid = 0;
    const slow = spec('sleep 30 & sleep 30; wait', { timeoutMs: 200, onStart: (id) => (pgid = id) });
    const timedOut = await executor.run(slow);
    assert.equal(timedOut.timedOut, true);
    assert.ok(pgid > 0, 'onStart gave the process group');
    for (let i = 0; i < 100 && groupAlive(pgid); i++) await sleep(20);
    assert.equal(groupAlive(pgid), false, 'the whole group is gone');

    // a script that leaves a process behind holding its output ends when the script does: the
    // server takes its group down
    let leftPgid = 0;
    const left = spec('sleep 30 & echo started', { onStart: (id) => (leftPgid = id) });
    const t0 = performance.now();
    const leftResult = await executor.run(left);
    assert.equal(leftResult.exitCode, 0);
    assert.equal(left.out(), 'started\n');
    assert.ok(performance.now() - t0 < 10_000, 'the step did not wait for the process it left behind');
    for (let i = 0; i < 100 && groupAlive(leftPgid); i++) await sleep(20);
    assert.equal(groupAlive(leftPgid), false, 'the process left behind is gone');

    const controller = new AbortController();
    const cancelled = executor.run(spec('sleep 30', { signal: controller.signal }));
    controller.abort();
    assert.equal((await cancelled).cancelled, true);
  });

  it('fail, and take their group down, when the server dies under them; later steps start here', async () => {
    const executor = new LocalExecutor('bash', { spawnServer: true });
    await warmedUp(executor);
    let pgid = 0;
    const s = spec('echo $PPID; sleep 30', { onStart: (id) => (pgid = id) });
    const running = executor.run(s);
    for (let i = 0; i < 200 && !s.out(); i++) await sleep(10);
    const server = Number(s.out().trim());
    assert.notEqual(server, process.pid);
    process.kill(server, 'SIGKILL');
    const result = await running;
    assert.equal(result.exitCode, 127);
    assert.match(s.out(), /runway: the spawn server stopped while running bash/);
    for (let i = 0; i < 100 && groupAlive(pgid); i++) await sleep(20);
    assert.equal(groupAlive(pgid), false, 'the step does not outlive its report');

    const after = spec('echo $PPID');
    assert.equal((await executor.run(after)).exitCode, 0);
    assert.equal(Number(after.out().trim()), process.pid);
  });

  it('never start from the server when it is turned off', async () => {
    const executor = new LocalExecutor('bash', { spawnServer: false });
    for (let i = 0; i < 8; i++) {
      const s = spec('echo $PPID');
      await executor.run(s);
      assert.equal(Number(s.out().trim()), process.pid);
    }
  });
});
