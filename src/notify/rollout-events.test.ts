import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RolloutRecord } from '../deploy/records.ts';
import { systemClock } from '../engine/clock.ts';
import { tier2 } from '../rollout/presets.ts';
import { rolloutOf } from '../rollout/rollout.fixture.ts';
import { CONTRACT_CONTEXT, CONTRACT_PIPELINE } from '../store/store.contract.ts';
import type { RunRecord } from '../store/store.ts';
import type { DeliveryRecord } from './delivery-record.ts';
import type { Notification } from './notification.ts';
import { startReceiver } from './receiver.fixture.ts';
import { RolloutNotifications } from './rollout-events.ts';
import { resolveSubscriptions } from './subscription.ts';

describe('rollout notifications from the control plane', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let notifications: RolloutNotifications;
  const deliveries: DeliveryRecord[] = [];
  const rollout: RolloutRecord = {
    id: 'r9',
    service: 'checkout-api',
    environment: 'production',
    state: {
      ...rolloutOf(tier2(), new Date(Date.now() - 90_000), 'r9'),
      abortReason: 'analysis error-rate failed',
    },
    canary: { version: 'v2', revision: 2, command: 'x', cwd: '/x', env: {}, replicas: 1, health: '/' },
    analysis: {},
    args: {},
    runId: 1,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };

  before(async () => {
    receiver = await startReceiver();
    const run: RunRecord = {
      id: 1,
      pipeline: {
        ...CONTRACT_PIPELINE,
        secrets: { HOOK: { env: 'HOOK_URL' } },
        notifications: resolveSubscriptions({ ops: { webhook: { 'url-secret': 'HOOK' } } }),
      },
      context: CONTRACT_CONTEXT,
      status: 'running',
      createdAt: new Date().toISOString(),
    };
    notifications = new RolloutNotifications({
      store: {
        getRun: async (id) => (id === 1 ? run : undefined),
        recordDelivery: async (d) => void deliveries.push(d),
      },
      clock: systemClock,
      env: { HOOK_URL: `${receiver.url}/ops` },
    });
  });
  after(async () => receiver.close());

  it('maps the rollout’s notify intents to events, with the reason, the sha and the time since start', async () => {
    notifications.notify(rollout, 'waiting-for-promotion', 'checkout-api v2 in production waits for promote');
    notifications.notify(
      { ...rollout, state: { ...rollout.state, phase: 'rolled-back' } },
      'rolled-back',
      'checkout-api v2 in production: analysis error-rate failed',
    );
    await notifications.flush();
    const sent = receiver.received.map((r) => JSON.parse(r.body) as Notification);
    assert.deepEqual(sent.map((n) => n.event).sort(), ['rollout.paused', 'rollout.rolled-back']);
    const back = sent.find((n) => n.event === 'rollout.rolled-back')!;
    assert.equal(back.reason, 'analysis error-rate failed');
    assert.equal(back.sha, CONTRACT_CONTEXT.sha);
    assert.ok(back.durationMs! >= 90_000 && back.startedAt === rollout.state.startedAt);
  });

  it('tells the subscribers of a rollout in flight that the data plane was lost', async () => {
    receiver.received.length = 0;
    notifications.dataPlaneLost(rollout, 'the data plane agent stopped answering');
    await notifications.flush();
    const [n] = receiver.received.map((r) => JSON.parse(r.body) as Notification);
    assert.equal(n?.event, 'data-plane.lost');
    assert.equal(n?.environment, 'production');
    assert.match(n?.title ?? '', /lost the data plane of production during rollout r9/);
  });

  it('a rollout no run asked for tells nobody', async () => {
    receiver.received.length = 0;
    const { runId: _, ...orphan } = rollout;
    notifications.notify(orphan, 'started', 'started');
    await notifications.flush();
    assert.equal(receiver.received.length, 0);
  });
});
