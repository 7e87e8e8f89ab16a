/*
 * Several control planes on one PostgreSQL (a real PostgreSQL 15 the test starts): rollouts keep
 * going when the instance driving them is killed (kill -9) or paused past its lease (SIGSTOP), and
 * the data plane's own log shows no action carried out twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPostgres, type PostgresCluster } from '../../src/store/postgres/postgres.fixture.ts';
import {
  api,
  canaryWeights,
  dataPlaneActions,
  doubleActions,
  freePort,
  haProject,
  holderPid,
  keepOutput,
  rolloutRequest,
  startInstance,
  stopAll,
  StoreProbe,
  tokenOf,
  until,
  type Instance,
} from './ha.fixture.ts';

const TERMINAL = new Set(['completed', 'aborted', 'rolled-back']);

describe('control planes sharing PostgreSQL', () => {
  let cluster: PostgresCluster;
  const instances: Instance[] = [];
  const dirs: string[] = [];
  /** Every instance started, killed or not. */
  const all: Instance[] = [];
  const start = async (cwd: string, store: string): Promise<Instance> => {
    const instance = await startInstance(cwd, store);
    all.push(instance);
    return instance;
  };

  before(async () => {
    cluster = await startPostgres();
  });

  after(async () => {
    for (const dir of dirs) await stopAll(dir, all);
    cluster?.stop();
  });

  it('three instances, kill -9 of the instance driving rollouts: every rollout ends as its faults dictate, no action twice', async (t) => {
    const store = await cluster.freshDatabase();
    const cwd = haProject();
    dirs.push(cwd);
    const started: Instance[] = [];
    for (let i = 0; i < 3; i++) instances.push(await start(cwd, store));
    started.push(...instances);
    const token = tokenOf(cwd);
    const probe = new StoreProbe(store);
    try {
      // first releases, then canaries: every other one sick, so it must roll back
      const services = ['svc-a', 'svc-b', 'svc-c', 'svc-d'];
      const ports = await Promise.all(services.map(() => freePort()));
      for (const [n, service] of services.entries()) {
        const res = await api(
          instances[n % 3]!.url,
          token,
          'POST',
          '/v1/rollouts',
          rolloutRequest(cwd, service, ports[n]!, 'v1'),
        );
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
      await until('v1 everywhere', 60_000, async () => {
        const phases = await probe.phases();
        return [...phases.values()].filter((p) => p === 'completed').length === services.length;
      });
      for (const [n, service] of services.entries()) {
        const sick = n % 2 === 1;
        const res = await api(
          instances[n % 3]!.url,
          token,
          'POST',
          '/v1/rollouts',
          rolloutRequest(cwd, service, ports[n]!, 'v2', { sick, pauseMs: 5000 }),
        );
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }

      // kill an instance driving an unfinished rollout, twice, starting a new one each time
      const takeovers: number[] = [];
      for (let kill = 0; kill < 2; kill++) {
        await sleep(1500);
        const active = await probe.phases();
        const running = new Set(
          [...active].filter(([, p]) => !TERMINAL.has(p)).map(([id]) => `env:${id.split('.')[0]}/prod`),
        );
        const leases = await probe.leases();
        const driving = [...leases].filter(([name]) => running.has(name));
        const victim = instances.find((i) => driving.some(([, l]) => holderPid(l.holder) === i.pid));
        if (!victim) break;
        const unfinished = driving
          .filter(([, l]) => holderPid(l.holder) === victim.pid)
          .map(([name]) => name);
        victim.child.kill('SIGKILL');
        const killedAt = Date.now();
        instances.splice(instances.indexOf(victim), 1);
        await until(`takeover of ${unfinished.join(', ')}`, 20_000, async () => {
          const now = await probe.leases();
          return unfinished.every((name) => holderPid(now.get(name)?.holder ?? '') !== victim.pid);
        });
        takeovers.push(Date.now() - killedAt);
        instances.push(await start(cwd, store));
        started.push(instances.at(-1)!);
      }

      const phases = await until('every rollout finished', 120_000, async () => {
        const now = await probe.phases();
        return [...now.values()].every((p) => TERMINAL.has(p)) ? now : undefined;
      });
      for (const [n, service] of services.entries()) {
        assert.equal(phases.get(`${service}.prod.r2`), n % 2 === 1 ? 'rolled-back' : 'completed', service);
      }
      assert.equal(phases.size, services.length * 2, 'no rollout lost or made twice');
      const actions = dataPlaneActions(cwd);
      assert.deepEqual(doubleActions(actions), []);
      for (const service of services) {
        assert.deepEqual(
          actions.starts.get(`${service}/prod ${service}/v2/0`)?.[0],
          0,
          `${service} v2 started`,
        );
      }
      t.diagnostic(`takeovers after kill -9 (ms): ${takeovers.join(', ')}`);
      assert.equal(takeovers.length, 2, 'both kills hit an instance driving rollouts');
      for (const ms of takeovers) assert.ok(ms < 10_000, `takeover took ${ms} ms`);
    } finally {
      // each control plane's log beside the agent's, for reading a failure
      for (const i of started) keepOutput(cwd, `serve-${i.pid}.log`, i.output());
      await probe.close();
    }
  });

  it('an instance paused (SIGSTOP) past its lease, then resumed, applies nothing', async () => {
    const store = await cluster.freshDatabase();
    const cwd = haProject();
    dirs.push(cwd);
    const a = await start(cwd, store);
    instances.push(a);
    const token = tokenOf(cwd);
    const probe = new StoreProbe(store);
    try {
      const port = await freePort();
      assert.equal(
        (await api(a.url, token, 'POST', '/v1/rollouts', rolloutRequest(cwd, 'paused', port, 'v1'))).status,
        201,
      );
      await until('v1', 60_000, async () => (await probe.phases()).get('paused.prod.r1') === 'completed');
      assert.equal(
        (
          await api(
            a.url,
            token,
            'POST',
            '/v1/rollouts',
            rolloutRequest(cwd, 'paused', port, 'v2', { pauseMs: 4000 }),
          )
        ).status,
        201,
      );
      await until(
        'a holds the lease',
        10_000,
        async () => holderPid((await probe.leases()).get('env:paused/prod')?.holder ?? '') === a.pid,
      );
      const b = await start(cwd, store);
      instances.push(b);

      a.child.kill('SIGSTOP');
      const before = dataPlaneActions(cwd).routes.get('paused/prod')?.length ?? 0;
      await until(
        'b takes the lease over',
        20_000,
        async () => holderPid((await probe.leases()).get('env:paused/prod')?.holder ?? '') === b.pid,
      );
      await until(
        'the rollout moves on under b',
        30_000,
        async () => (dataPlaneActions(cwd).routes.get('paused/prod')?.length ?? 0) > before,
      );
      const outputBefore = a.output().length;
      a.child.kill('SIGCONT');
      await until(
        'finished',
        60_000,
        async () => (await probe.phases()).get('paused.prod.r2') === 'completed',
      );
      await sleep(2000);

      const resumed = a.output().slice(outputBefore);
      assert.doesNotMatch(
        resumed,
        /paused\/prod paused\.prod\.r2: /,
        'the resumed instance recorded no step of the rollout',
      );
      assert.deepEqual(doubleActions(dataPlaneActions(cwd)), []);
      const canary = canaryWeights(dataPlaneActions(cwd), 'paused/prod', 'v2');
      assert.deepEqual(
        [...canary].sort((x, y) => x - y),
        canary,
        `canary weight never went back: ${canary.join(' ')}`,
      );
      assert.equal(canary.at(-1), 1000);
    } finally {
      await probe.close();
    }
  });
});
