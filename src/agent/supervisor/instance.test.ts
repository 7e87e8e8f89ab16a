import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../../executors/local/process-group.ts';
import { Instance } from './instance.ts';
import { resolveInstanceSpec } from './instance-spec.ts';
import type { InstanceSpecInput } from './instance-spec.ts';
import { groupMembers } from './process-table.ts';
import { EventLog, freePort, gone, health, serverDir, serverSpec } from './test-server.fixture.ts';

const { dir, cleanup } = serverDir();
const running: Instance[] = [];

after(async () => {
  await Promise.all(running.map((i) => i.stop({ graceMs: 0 })));
  cleanup();
});

async function launch(
  mode: string,
  over: Partial<InstanceSpecInput> = {},
  drain?: (key: string) => Promise<void>,
) {
  const log = new EventLog();
  const spec = resolveInstanceSpec(serverSpec(dir, await freePort(), mode, over));
  const instance = new Instance(spec, { onEvent: log.sink, ...(drain ? { drain } : {}) });
  running.push(instance);
  instance.start();
  return { instance, log, spec };
}

describe('Instance with a real process', { concurrency: true }, () => {
  it('becomes ready and runs with exactly its env plus PORT, its output appended to the log', async () => {
    const { instance, log, spec } = await launch('ok', {
      env: { ...serverSpec(dir, 1, 'ok').env, GREETING: 'hi' },
    });
    await log.nth('ready');
    const status = instance.status();
    assert.equal(status.state, 'ready');
    assert.ok(status.readySince && status.pid && status.pgid === status.pid);
    const { env } = await health(spec.port);
    const shellAdds = new Set(['PWD', 'SHLVL', '_', 'OLDPWD']);
    assert.deepEqual(
      env.filter((name) => !shellAdds.has(name)),
      ['GREETING', 'MODE', 'PATH', 'PORT'],
    );
    await instance.stop();
    const text = readFileSync(spec.logPath, 'utf8');
    assert.match(text, /^\[runway\] starting checkout-api\/1\.0\.0\/0 \(restarts: 0\)/);
    assert.match(text, /listening pid=\d+/);
  });

  it('restarts a crashing process with growing backoff and reports a crash loop at the 3rd restart', async () => {
    const { instance, log } = await launch('crash', {
      env: { ...serverSpec(dir, 1, 'crash').env, AFTER_MS: '30' },
    });
    const loop = await log.nth('crash-loop');
    assert.deepEqual(
      { restarts: loop.restarts, windowMs: loop.windowMs },
      { restarts: 3, windowMs: 300_000 },
    );
    await log.nth('restarting', 3);
    const types = log.types();
    assert.deepEqual(
      types.filter((t) => t === 'exited' || t === 'crash-loop' || t === 'restarting'),
      ['exited', 'restarting', 'exited', 'restarting', 'exited', 'crash-loop', 'restarting'],
    );
    const exits = log.events.filter((e) => e.type === 'exited');
    assert.ok(exits.every((e) => e.code === 3 && e.signal === null));
    const delays = log.events.flatMap((e) => (e.type === 'restarting' ? [e.delayMs] : []));
    assert.deepEqual(delays, [40, 80, 160]);
    const status = instance.status();
    assert.equal(status.restarts, 3);
    assert.equal(status.crashLooping, true);
    assert.equal(status.lastExit?.code, 3);
  });

  it('restarts an instance after 3 liveness probes fail in a row', async () => {
    const { log } = await launch('unhealthy', {
      env: { ...serverSpec(dir, 1, 'unhealthy').env, AFTER_MS: '1000' },
    });
    const unhealthy = await log.nth('unhealthy');
    assert.match(unhealthy.reason, /^3 liveness probes failed in a row \(last: status 503\)$/);
    const exited = await log.nth('exited');
    assert.deepEqual([exited.code, exited.signal], [0, null]);
    await log.nth('ready', 2);
    assert.deepEqual(log.types().slice(0, 7), [
      'starting',
      'ready',
      'unhealthy',
      'exited',
      'restarting',
      'starting',
      'ready',
    ]);
  });

  it('counts an instance that is not ready before the deadline as failed', async () => {
    const { log } = await launch('never-ready', {
      readiness: { intervalMs: 25, timeoutMs: 600, successThreshold: 1 },
    });
    const unhealthy = await log.nth('unhealthy');
    assert.match(unhealthy.reason, /^not ready within 600ms \(last probe: (status 503|ECONNREFUSED)\)$/);
    await log.nth('restarting');
    assert.ok(!log.types().includes('ready'));
  });

  it('stops gracefully: drain first, then SIGTERM, and the process exits cleanly', async () => {
    const order: string[] = [];
    let pidAtDrain = 0;
    const { instance, log, spec } = await launch('ok', {}, async () => {
      pidAtDrain = instance.status().pid ?? 0;
      order.push(`drain alive=${processAlive(pidAtDrain)}`);
    });
    await log.nth('ready');
    const started = performance.now();
    await instance.stop();
    assert.ok(performance.now() - started < spec.stopGraceMs, 'exited well within the grace period');
    assert.deepEqual(order, ['drain alive=true']);
    const exited = await log.nth('exited');
    assert.deepEqual([exited.code, exited.signal], [0, null]);
    assert.deepEqual(log.types().slice(-2), ['exited', 'stopped']);
    assert.ok(gone(pidAtDrain));
    assert.match(readFileSync(spec.logPath, 'utf8'), /got SIGTERM/);
    assert.equal(instance.status().state, 'stopped');
  });

  it('sends SIGKILL to a process that ignores SIGTERM once the grace period is over', async () => {
    const { instance, log, spec } = await launch('ignore-term');
    await log.nth('ready');
    const pid = instance.status().pid ?? 0;
    const started = performance.now();
    await instance.stop({ graceMs: 300 });
    assert.ok(performance.now() - started >= 290, 'waited for the grace period');
    const exited = await log.nth('exited');
    assert.deepEqual([exited.code, exited.signal], [null, 'SIGKILL']);
    assert.ok(gone(pid));
    assert.match(readFileSync(spec.logPath, 'utf8'), /ignoring SIGTERM/);
  });

  it('leaves no process of the group behind, not even a child that ignores SIGTERM', async () => {
    const { instance, log, spec } = await launch('fork');
    await log.nth('ready');
    const { pid, child } = await health(spec.port);
    const pgid = instance.status().pgid ?? 0;
    assert.ok(child && !gone(child));
    const members = groupMembers(pgid) ?? [];
    assert.ok(members.includes(pid) && members.includes(child), `group ${pgid} holds ${members}`);
    await instance.stop();
    assert.ok(gone(pid), 'server gone');
    assert.ok(gone(child), 'forked child gone');
    assert.deepEqual(groupMembers(pgid), []);
  });

  it('masks secrets in the log file', async () => {
    const secret = 'hunter2-correct-horse';
    const { instance, log, spec } = await launch('ok', {
      env: { ...serverSpec(dir, 1, 'ok').env, SECRET: secret },
      secrets: [secret],
    });
    await log.nth('ready');
    await instance.stop();
    const text = readFileSync(spec.logPath, 'utf8');
    assert.match(text, /the secret is \*\*\*/);
    assert.ok(!text.includes(secret));
  });

  it('reports a command that cannot start as an exit with its error, and restarts it', async () => {
    const { instance, log } = await launch('ok', { cwd: join(dir, 'missing') });
    const exited = await log.nth('exited');
    assert.match(exited.error ?? '', /ENOENT/);
    await log.nth('crash-loop');
    await instance.stop();
    assert.equal(instance.status().state, 'stopped');
  });
});
