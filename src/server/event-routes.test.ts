import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from '../engine/clock.ts';
import { contractRollout } from '../store/store.contract.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { startApi, type ApiDeps } from './api.ts';

test('GET /v1/events streams a rollout event when a rollout changes (server-sent events)', async () => {
  const store = new SqliteStore(':memory:');
  const first = contractRollout('r1', 'progressing');
  await store.saveDeployment({ rollout: first, at: first.updatedAt });
  // only what /v1/events reads: the store, the clock and the token
  const deps = { store, clock: systemClock, token: 'sse-test-token', log: () => {} } as unknown as ApiDeps;
  const { server, url } = await startApi(deps);
  const abort = new AbortController();
  try {
    assert.equal((await fetch(`${url}/v1/events`)).status, 401);
    const res = await fetch(`${url}/v1/events`, {
      headers: { authorization: 'Bearer sse-test-token' },
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const nextEvent = async () => {
      for (;;) {
        const end = text.indexOf('\n\n');
        if (end >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          if (block.startsWith('event:')) return block;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += value;
      }
    };
    const one = await nextEvent();
    assert.match(one, /^event: rollout\ndata: /);
    assert.equal((JSON.parse(one.split('\ndata: ')[1]!.split('\n')[0]!) as { id: string }).id, 'r1');
    const later = { ...first, updatedAt: new Date(Date.parse(first.updatedAt) + 1000).toISOString() };
    await store.saveDeployment({ rollout: later, at: later.updatedAt });
    const two = await nextEvent();
    assert.match(two, new RegExp(`^event: rollout\\ndata: .*"updatedAt":"${later.updatedAt}"`));
  } finally {
    abort.abort();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  }
});
