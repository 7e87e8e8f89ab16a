import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InstanceSpecError } from './instance-spec.ts';
import type { InstanceSpec } from './instance-spec.ts';
import { groupMembers } from './process-table.ts';
import { Supervisor } from './supervisor.ts';
import { EventLog, freePort, gone, serverDir, serverSpec } from './test-server.fixture.ts';

const { dir, cleanup } = serverDir();
const supervisors: Supervisor[] = [];

after(async () => {
  await Promise.all(supervisors.map((s) => s.stopAll()));
  cleanup();
});

function supervisor(drain?: (key: string, spec: InstanceSpec) => Promise<void>) {
  const log = new EventLog();
  const sup = new Supervisor({ onEvent: log.sink, ...(drain ? { drain } : {}) });
  supervisors.push(sup);
  return { sup, log };
}

const v = (version: string, port: number, index = 0) =>
  serverSpec(dir, port, 'ok', { release: { version }, index, logPath: `${dir}/${version}-${index}.log` });

describe('Supervisor with real processes', { concurrency: true }, () => {
  it('ensure is idempotent: the same desired set twice starts nothing new', async () => {
    const { sup, log } = supervisor();
    const desired = [v('1.0.0', await freePort(), 0), v('1.0.0', await freePort(), 1)];
    const first = await sup.ensure(desired);
    assert.deepEqual(first, {
      started: ['checkout-api/1.0.0/0', 'checkout-api/1.0.0/1'],
      stopped: [],
      unchanged: [],
    });
    await Promise.all([
      log.nth('ready', 1, 'checkout-api/1.0.0/0'),
      log.nth('ready', 1, 'checkout-api/1.0.0/1'),
    ]);
    const pids = sup.status().map((s) => s.pid);

    const again = await sup.ensure(desired.map((spec) => ({ ...spec, env: { ...spec.env } })));
    assert.deepEqual(again, {
      started: [],
      stopped: [],
      unchanged: ['checkout-api/1.0.0/0', 'checkout-api/1.0.0/1'],
    });
    assert.deepEqual(
      sup.status().map((s) => s.pid),
      pids,
    );
    assert.equal(log.types().filter((t) => t === 'starting').length, 2);
    assert.deepEqual(
      sup.status().map((s) => [s.key, s.state, s.restarts]),
      [
        ['checkout-api/1.0.0/0', 'ready', 0],
        ['checkout-api/1.0.0/1', 'ready', 0],
      ],
    );
  });

  it('a new version in the desired set starts it and stops the old one, draining it first', async () => {
    const drained: string[] = [];
    const { sup, log } = supervisor(async (key, spec) => {
      drained.push(`${key}@${spec.port}`);
    });
    const oldPort = await freePort();
    await sup.ensure([v('1.0.0', oldPort)]);
    await log.nth('ready', 1, 'checkout-api/1.0.0/0');
    const old = sup.status()[0];
    assert.ok(old?.pgid);

    const newPort = await freePort();
    const result = await sup.ensure([v('1.1.0', newPort)]);
    assert.deepEqual(result, {
      started: ['checkout-api/1.1.0/0'],
      stopped: ['checkout-api/1.0.0/0'],
      unchanged: [],
    });
    assert.deepEqual(drained, [`checkout-api/1.0.0/0@${oldPort}`]);
    assert.ok(gone(old.pid ?? 0));
    assert.deepEqual(groupMembers(old.pgid), []);
    await log.nth('ready', 1, 'checkout-api/1.1.0/0');
    assert.deepEqual(
      sup.status().map((s) => [s.key, s.state]),
      [['checkout-api/1.1.0/0', 'ready']],
    );
  });

  it('replaces an instance whose spec changed under the same key', async () => {
    const { sup, log } = supervisor();
    const spec = v('1.0.0', await freePort());
    await sup.ensure([spec]);
    await log.nth('ready');
    const before = sup.status()[0]?.pid;
    const result = await sup.ensure([{ ...spec, env: { ...spec.env, FEATURE: 'on' } }]);
    assert.deepEqual(result, {
      started: ['checkout-api/1.0.0/0'],
      stopped: ['checkout-api/1.0.0/0'],
      unchanged: [],
    });
    await log.nth('ready', 2);
    assert.notEqual(sup.status()[0]?.pid, before);
    assert.ok(gone(before ?? 0));
  });

  it('rejects an invalid or duplicate desired set before changing anything', async () => {
    const { sup, log } = supervisor();
    const port = await freePort();
    await assert.rejects(
      sup.ensure([v('1.0.0', port), v('1.0.0', port)]),
      /duplicate instance checkout-api\/1\.0\.0\/0/,
    );
    await assert.rejects(sup.ensure([{ ...v('1.0.0', port), port: 70_000 }]), (err: unknown) => {
      assert.ok(err instanceof InstanceSpecError);
      assert.match(err.message, /port must be an integer 1\.\.65535, got 70000/);
      return true;
    });
    assert.deepEqual(sup.status(), []);
    assert.deepEqual(log.events, []);
  });

  it('stopAll stops every instance and leaves no process behind', async () => {
    const { sup, log } = supervisor();
    await sup.ensure([v('1.0.0', await freePort()), v('2.0.0', await freePort())]);
    await Promise.all([
      log.nth('ready', 1, 'checkout-api/1.0.0/0'),
      log.nth('ready', 1, 'checkout-api/2.0.0/0'),
    ]);
    const groups = sup.status().map((s) => s.pgid ?? 0);
    await sup.stopAll();
    assert.deepEqual(sup.status(), []);
    for (const pgid of groups) assert.deepEqual(groupMembers(pgid), []);
    assert.equal(log.types().filter((t) => t === 'stopped').length, 2);
  });
});
