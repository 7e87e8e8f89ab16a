/*
 * Crash safety of the commands the delegated controller passes to an Argo Rollout: a control plane
 * killed (or that lost its lease) after `promote` reached the cluster but before the command's
 * consumption was saved must not send it again on resume — a second promote would skip the next
 * pause. The store is the real SQLite store; the cluster is the stand-in Kubernetes API serving the
 * recorded paused Rollout (Argo CD test data), with the real argo-rollouts target talking to it.
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import type { Clock } from '../../engine/clock.ts';
import { emptyEnvironment } from '../../deploy/environment-state.ts';
import type { RolloutRecord } from '../../deploy/records.ts';
import { delegatedStrategy } from '../../deploy/strategies.ts';
import { SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { createDelegatingTarget } from '../../targets/delegating-registry.ts';
import { startRolloutApi } from '../../targets/argo-rollouts/rollout-api.fixture.ts';
import type { RolloutApi, RolloutObject } from '../../targets/argo-rollouts/rollout-api.fixture.ts';
import { recorded } from '../../targets/kubernetes/schemas.fixture.ts';
import { newRollout } from '../state.ts';
import { DelegatedController } from './delegated-controller.ts';
import { stateBefore } from './follow.ts';
import type { DelegatedStore } from './delegated-controller.ts';

const REPO = 'argoproj/rollouts-demo';
const DIGEST = `sha256:${'b'.repeat(64)}`;
const T0 = new Date('2026-12-08T02:00:00Z');
const clock: Clock = { now: () => T0, sleep: async () => {} };
const ID = 'rollouts-demo.production.r2';

/** The recorded Rollout, paused at its pause step, already running the new image. */
function pausedRollout(): RolloutObject {
  const r = recorded<RolloutObject>('rollout-status-paused-canary-pause-step.yaml');
  const template = r.spec['template'] as { spec: { containers: Record<string, unknown>[] } };
  template.spec.containers[0]!['image'] = `${REPO}@${DIGEST}`;
  return r;
}

async function seed(store: SqliteStore, kubeconfig: string): Promise<void> {
  const release = { command: '', cwd: '', env: {}, replicas: 1, health: '/health' };
  const rollout: RolloutRecord = {
    id: ID,
    service: 'rollouts-demo',
    environment: 'production',
    state: newRollout(
      {
        id: ID,
        service: 'rollouts-demo',
        environment: 'production',
        stable: { version: 'v1', revision: 1 },
        canary: { version: 'v2', revision: 2 },
        strategy: delegatedStrategy(),
        replicas: 1,
      },
      T0,
    ),
    canary: { ...release, version: 'v2', revision: 2, image: { type: 'image', image: REPO, digest: DIGEST } },
    stable: { ...release, version: 'v1', revision: 1 },
    analysis: {},
    args: {},
    delegate: { kind: 'argo-rollouts', kubeconfig, namespace: 'rollouts-demo', rollout: 'rollouts-demo' },
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
  };
  const env = { ...emptyEnvironment('rollouts-demo', 'production', 80, T0), rolloutId: ID };
  await store.saveDeployment({ environment: env, rollout, at: T0.toISOString() });
}

function controller(store: DelegatedStore, lines: string[]): DelegatedController {
  return new DelegatedController({
    store,
    clock,
    targetOf: createDelegatingTarget,
    log: (l) => lines.push(l),
    tickMs: 60_000,
  });
}

/** The store as seen by a control plane killed right after the cluster answered its command. */
function dyingAfterSend(store: SqliteStore): DelegatedStore {
  return {
    getRollout: (id) => store.getRollout(id),
    getEnvironment: (s, e) => store.getEnvironment(s, e),
    rollouts: (f) => store.rollouts(f),
    pendingRolloutCommands: (id) => store.pendingRolloutCommands(id),
    saveDeployment: async (change) => {
      if ((change.consumed ?? []).length > 0) throw new Error('kill -9 before the consumption was saved');
      await store.saveDeployment(change);
    },
  };
}

const statusPatches = (api: RolloutApi): number =>
  api.received.filter((r) => r.method === 'PATCH' && r.path.endsWith('/status')).length;

describe('delegated commands survive a crash between the send and the save', () => {
  let api: RolloutApi;
  let store: SqliteStore;
  const open: DelegatedController[] = [];
  beforeEach(async () => {
    await api?.close();
    api = await startRolloutApi(pausedRollout());
    store = new SqliteStore(':memory:');
    await seed(store, api.kubeconfig);
  });
  after(async () => {
    for (const c of open) await c.close();
    await api?.close();
  });

  it('a promote that reached the Rollout is not sent again by the control plane that resumes', async () => {
    const stepBefore = api.rollout().status['currentStepIndex'];
    await store.addRolloutCommand({ rolloutId: ID, command: 'promote', by: 'ana', at: T0.toISOString() });
    const lines: string[] = [];
    const first = controller(dyingAfterSend(store), lines);
    open.push(first);
    await assert.rejects(first.tick(ID), /kill -9/);
    await first.close();
    assert.equal(statusPatches(api), 1, 'the promote reached the cluster once');
    assert.equal(api.rollout().status['pauseConditions'], undefined, 'and cleared the pause');
    assert.equal((await store.pendingRolloutCommands(ID)).length, 1, 'its consumption was not saved');

    const second = controller(store, lines);
    open.push(second);
    const tick = await second.tick(ID);
    await second.close();
    assert.equal(statusPatches(api), 1, 'not sent a second time');
    assert.equal(api.rollout().status['currentStepIndex'], stepBefore, 'no step skipped');
    assert.deepEqual(await store.pendingRolloutCommands(ID), []);
    assert.equal(tick?.refused.size, 0);
    const stored = await store.getRollout(ID);
    assert.equal(stored?.sending, undefined, 'nothing left half-done');
    assert.match(
      stored!.state.history.map((h) => h.detail).join('\n'),
      /promote by ana: .*\(sent before a restart; not sent again\)/,
    );
    assert.deepEqual(api.invalid, []);
  });

  it('a promote saved as on its way but killed before it reached the Rollout is sent on resume, once', async () => {
    await store.addRolloutCommand({ rolloutId: ID, command: 'promote', by: 'ana', at: T0.toISOString() });
    // what the first control plane saved before it was killed, the send not yet made
    const [command] = await store.pendingRolloutCommands(ID);
    const target = createDelegatingTarget((await store.getRollout(ID))!.delegate!);
    const before = stateBefore(await target.status(true));
    target.close();
    const record = (await store.getRollout(ID))!;
    await store.saveDeployment({
      rollout: { ...record, sending: [{ command: command!.id, before }] },
      at: T0.toISOString(),
    });
    assert.equal(statusPatches(api), 0, 'nothing reached the cluster');
    assert.equal((await store.getRollout(ID))?.sending?.length, 1, 'the command was saved as on its way');
    assert.equal((await store.pendingRolloutCommands(ID)).length, 1);

    const second = controller(store, []);
    open.push(second);
    await second.tick(ID);
    await second.close();
    assert.equal(statusPatches(api), 1, 'sent once by the control plane that resumed');
    assert.deepEqual(await store.pendingRolloutCommands(ID), []);
    assert.equal((await store.getRollout(ID))?.sending, undefined);
  });
});
