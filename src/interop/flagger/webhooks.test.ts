import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { DeployError } from '../../deploy/deployments.ts';
import type { Clock } from '../../engine/clock.ts';
import { presetCalendars } from '../../gates/windows/presets.ts';
import { SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { InteropRoute } from '../routes.ts';
import { flaggerRoutes } from './webhooks.ts';

const PAYLOAD = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/flagger/webhook-payload-progressing.docs-example.json', import.meta.url),
    'utf8',
  ),
) as Record<string, unknown>;

/** A clock the test moves by hand. */
function fakeClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return { now: () => now, sleep: async () => {}, set: (t) => (now = new Date(t)) };
}

function setup(start: string) {
  const store = new SqliteStore(':memory:');
  const clock = fakeClock(start);
  const lines: string[] = [];
  const routes = flaggerRoutes({ store, clock, calendars: presetCalendars(), log: (l) => lines.push(l) });
  const post = routes.find((r) => r.method === 'POST') as InteropRoute;
  const call = (hook: string, metadata: Record<string, string> = {}, query = '') =>
    post.handle(new URL(`http://x/v1/flagger/${hook}${query}`), [hook], {
      ...PAYLOAD,
      metadata: { token: 'secret-token-value', window: 'business-hours', ...metadata },
    });
  return { store, clock, call, lines };
}

describe('Flagger webhooks', () => {
  it('follow the clock: wait on Saturday, go on Monday morning', async () => {
    const { clock, call } = setup('2026-11-21T10:00:00Z');
    const [status, body] = await call('confirm-rollout');
    assert.equal(status, 403);
    assert.equal((body as { decision: string }).decision, 'wait');
    clock.set('2026-11-23T09:00:00Z');
    assert.equal((await call('confirm-rollout'))[0], 200);
  });

  it('store a decision when the answer changes, never the token', async () => {
    const { store, clock, call, lines } = setup('2026-11-21T10:00:00Z');
    await call('confirm-rollout');
    await call('confirm-rollout');
    clock.set('2026-11-23T09:00:00Z');
    await call('confirm-rollout');
    const stored = await store.decisions({ service: 'podinfo', environment: 'test' });
    assert.deepEqual(
      stored.map((d) => [d.gate, d.outcome, d.evaluatedAt]),
      [
        ['flagger/confirm-rollout', 'go', '2026-11-23T09:00:00.000Z'],
        ['flagger/confirm-rollout', 'wait', '2026-11-21T10:00:00.000Z'],
      ],
    );
    assert.ok(!JSON.stringify(stored).includes('secret-token-value'));
    assert.ok(!lines.join('\n').includes('secret-token-value'));
    await store.close();
  });

  it('refuse an invalid replay time and a negative approval count', async () => {
    const { call } = setup('2026-11-23T10:00:00Z');
    await assert.rejects(call('confirm-rollout', {}, '?at=tuesday'), (e: DeployError) => e.status === 400);
    await assert.rejects(
      call('confirm-promotion', { approvals: '-1' }),
      /metadata.approvals must be a whole number of approvals, got "-1"/,
    );
    await assert.rejects(
      call('confirm-everything'),
      /unknown Flagger hook "confirm-everything" — expected one of: confirm-rollout/,
    );
  });

  it('need no approval with approvals "0"', async () => {
    const { call } = setup('2026-11-23T10:00:00Z');
    assert.equal((await call('confirm-promotion'))[0], 403);
    assert.equal((await call('confirm-promotion', { approvals: '0' }))[0], 200);
  });

  it('keep an event at the time Flagger sent it', async () => {
    const { store, call } = setup('2026-11-23T10:00:00Z');
    const [status] = await call('event', {
      eventType: 'Warning',
      eventMessage: 'Halt advancement',
      timestamp: String(Date.parse('2026-11-23T10:20:00Z')),
    });
    assert.equal(status, 202);
    const [event] = await store.externalEvents();
    assert.deepEqual(
      [event?.type, event?.message, event?.at],
      ['Warning', 'Halt advancement', '2026-11-23T10:20:00.000Z'],
    );
  });
});
