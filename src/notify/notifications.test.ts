import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Clock } from '../engine/clock.ts';
import type { DeliveryRecord } from './delivery-record.ts';
import { deliver } from './delivery.ts';
import { NOTIFY_EVENTS, type Notification } from './notification.ts';
import { Notifications, wants } from './notifications.ts';
import { NotifyError, type Notifier } from './notifier.ts';
import { NullNotifier } from './null-notifier.ts';
import { createNotifier } from './registry.ts';
import { resolveSubscriptions, type Subscription } from './subscription.ts';

/** A clock whose sleeps return at once and move time on, recording each wait. */
function fakeClock(): Clock & { waits: number[] } {
  let now = Date.parse('2026-03-10T10:00:00Z');
  const waits: number[] = [];
  return {
    waits,
    now: () => new Date(now),
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  };
}

/** A notifier failing with the given errors first, then succeeding. */
function flaky(...failures: NotifyError[]): Notifier & { posts: number } {
  const n = {
    kind: 'test',
    posts: 0,
    async post() {
      n.posts++;
      const err = failures.shift();
      if (err) throw err;
    },
  };
  return n;
}

const NOTE: Notification = {
  event: 'rollout.rolled-back',
  title: 'checkout-api: rolled back',
  text: 'reason: analysis failed',
  service: 'checkout-api',
  environment: 'production',
  at: '2026-03-10T10:00:00.000Z',
};

function memoryLog(): { records: DeliveryRecord[]; recordDelivery(d: DeliveryRecord): Promise<void> } {
  const records: DeliveryRecord[] = [];
  return { records, recordDelivery: async (d) => void records.push(structuredClone(d)) };
}

describe('delivery', () => {
  it('a receiver that answers 500 twice gets the notification on the third try, after 1 s then 2 s', async () => {
    const clock = fakeClock();
    const log = memoryLog();
    const notifier = flaky(
      new NotifyError('answered 500', true, 500),
      new NotifyError('answered 500', true, 500),
    );
    const d = await deliver({
      id: 'd1',
      subscription: 'team',
      notifier,
      notification: NOTE,
      retry: { count: 3, delayMs: 1000 },
      log,
      clock,
    });
    assert.equal(d.status, 'delivered');
    assert.equal(d.attempts, 3);
    assert.equal(notifier.posts, 3);
    assert.deepEqual(clock.waits, [1000, 2000]);
    assert.deepEqual(
      log.records.map((r) => `${r.status}/${r.attempts}`),
      ['pending/1', 'pending/1', 'pending/2', 'pending/2', 'pending/3', 'delivered/3'],
      'each attempt is recorded before it is made',
    );
  });

  it('gives up after the configured retries, and at once on an answer not worth retrying', async () => {
    const clock = fakeClock();
    const always = flaky(...Array.from({ length: 9 }, () => new NotifyError('answered 503', true, 503)));
    const spent = await deliver({
      id: 'd2',
      subscription: 'team',
      notifier: always,
      notification: NOTE,
      retry: { count: 2, delayMs: 100 },
      log: memoryLog(),
      clock,
    });
    assert.deepEqual([spent.status, spent.attempts, spent.error], ['failed', 3, 'answered 503']);
    const gone = flaky(new NotifyError('answered 404 no_service', false, 404));
    const refused = await deliver({
      id: 'd3',
      subscription: 'team',
      notifier: gone,
      notification: NOTE,
      retry: { count: 5, delayMs: 100 },
      log: memoryLog(),
      clock,
    });
    assert.deepEqual([refused.status, refused.attempts], ['failed', 1]);
  });

  it('the null notifier delivers without telling anyone', async () => {
    const d = await deliver({
      id: 'd4',
      subscription: 'off',
      notifier: new NullNotifier(),
      notification: NOTE,
      retry: { count: 0, delayMs: 0 },
      log: memoryLog(),
      clock: fakeClock(),
    });
    assert.equal(d.status, 'delivered');
  });
});

describe('subscriptions', () => {
  const sub = (over: Partial<Subscription>): Subscription => ({
    name: 's',
    kind: 'none',
    events: [...NOTIFY_EVENTS],
    environments: [],
    retry: { count: 0, delayMs: 0 },
    ...over,
  });

  it('match by event, and by environment only for events that have one', () => {
    fc.assert(
      fc.property(
        fc.subarray([...NOTIFY_EVENTS]),
        fc.constantFrom(...NOTIFY_EVENTS),
        fc.subarray(['staging', 'production']),
        fc.option(fc.constantFrom('staging', 'production'), { nil: undefined }),
        (events, event, environments, environment) => {
          const s = sub({ events, environments });
          const n = { ...NOTE, event, ...(environment ? { environment } : {}) };
          if (!environment) delete (n as Partial<Notification>).environment;
          const expected =
            events.includes(event) &&
            (environment === undefined || environments.length === 0 || environments.includes(environment));
          assert.equal(wants(s, n), expected);
        },
      ),
    );
  });

  it('a missing secret makes a failed delivery naming it, not an exception', async () => {
    const subscriptions = resolveSubscriptions({ team: { slack: { 'url-secret': 'SLACK_WEBHOOK' } } });
    const log = memoryLog();
    const notifications = new Notifications({ subscriptions, secrets: {}, log, clock: fakeClock() });
    notifications.publish(NOTE);
    const [d] = await notifications.flush();
    assert.equal(d?.status, 'failed');
    assert.match(d?.error ?? '', /secret SLACK_WEBHOOK is not set/);
  });

  it('an unknown notifier kind lists the valid ones', () => {
    assert.throws(
      () => createNotifier(sub({ kind: 'teams' as never }), {}),
      /unknown notifier "teams" — expected one of: slack, webhook, github, none/,
    );
  });
});
