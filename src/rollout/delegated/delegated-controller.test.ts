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
import { LeaseLostError } from '../../store/store.ts';
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

async function seed(
  store: SqliteStore,
  kubeconfig: string,
  over: Partial<RolloutRecord> = {},
): Promise<void> {
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
    ...over,
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

/**
 * The store as seen by a control plane killed right after the cluster answered its command (or,
 * with `lease`, one whose lease another control plane took meanwhile: its save is refused).
 */
function dyingAfterSend(store: SqliteStore, lease = false): DelegatedStore {
  return {
    getRollout: (id) => store.getRollout(id),
    getEnvironment: (s, e) => store.getEnvironment(s, e),
    rollouts: (f) => store.rollouts(f),
    pendingRolloutCommands: (id) => store.pendingRolloutCommands(id),
    saveDeployment: async (change) => {
      if ((change.consumed ?? []).length > 0)
        throw lease
          ? new LeaseLostError('rollouts-demo/production', 1)
          : new Error('kill -9 before the consumption was saved');
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

  it('a promote sent by a control plane whose lease was lost before its save is not sent again by the next one', async () => {
    const stepBefore = api.rollout().status['currentStepIndex'];
    await store.addRolloutCommand({ rolloutId: ID, command: 'promote', by: 'ana', at: T0.toISOString() });
    const lines: string[] = [];
    const first = controller(dyingAfterSend(store, true), lines);
    open.push(first);
    assert.equal(await first.tick(ID), undefined, 'it stands down');
    await first.close();
    assert.match(lines.join('\n'), /lease lost to another control plane; standing down/);
    assert.equal(statusPatches(api), 1);

    const next = controller(store, []);
    open.push(next);
    await next.tick(ID);
    await next.close();
    assert.equal(statusPatches(api), 1, 'not sent a second time');
    assert.equal(api.rollout().status['currentStepIndex'], stepBefore);
    assert.deepEqual(await store.pendingRolloutCommands(ID), []);
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

  it('an undo killed after its state was saved, before the patch, restores the template on resume (not a bare image set)', async () => {
    // the Rollout ran OLD (revision 1), then NEW (revision 2): an undo goes back to OLD's template
    await api.close();
    const old = `${REPO}@sha256:${'a'.repeat(64)}`;
    const first = pausedRollout();
    (first.spec['template'] as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0]![
      'image'
    ] = old;
    api = await startRolloutApi(first);
    store = new SqliteStore(':memory:');
    const delegate = {
      kind: 'argo-rollouts',
      kubeconfig: api.kubeconfig,
      namespace: 'rollouts-demo',
      rollout: 'rollouts-demo',
    } as const;
    const setter = createDelegatingTarget(delegate);
    await setter.setImage(`${REPO}@${DIGEST}`);
    setter.close();
    const state = newRollout(
      {
        id: ID,
        service: 'rollouts-demo',
        environment: 'production',
        stable: { version: 'v2', revision: 2 },
        canary: { version: 'v1', revision: 3 },
        strategy: delegatedStrategy(),
        replicas: 1,
      },
      T0,
    );
    // what the first look saved before it was killed: the image is being put back
    state.canaryStartedAt = T0.toISOString();
    const release = { command: '', cwd: '', env: {}, replicas: 1, health: '/health' };
    await seed(store, api.kubeconfig, {
      state,
      restoresPrevious: true,
      canary: {
        ...release,
        version: 'v1',
        revision: 3,
        image: { type: 'image', image: REPO, digest: `sha256:${'a'.repeat(64)}` },
      },
    });
    const from = api.received.length;
    const resumed = controller(store, []);
    open.push(resumed);
    await resumed.tick(ID);
    await resumed.close();
    const sent = api.received.slice(from).filter((r) => r.method !== 'GET');
    assert.deepEqual(
      sent.map((r) => r.contentType),
      ['application/json-patch+json'],
      'one JSON patch putting the template back, no PUT of the image alone',
    );
    const containers = (api.rollout().spec['template'] as { spec: { containers: { image: string }[] } }).spec
      .containers;
    assert.equal(containers[0]!.image, old);
    assert.deepEqual(api.invalid, []);
  });
});
