/**
 * Orders against a running database stand-in. Start it first:
 *   DB_PORT=5544 node scripts/fake-db.ts &
 *   DB_PORT=5544 node --test 'test/integration/*.test.ts'
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { DbError, createDbClient } from '../../src/db-client.ts';
import { createServer } from '../../src/server.ts';

const SKIP_REASON = 'DB_PORT is not set: start scripts/fake-db.ts and set DB_PORT to run integration tests';
const dbPort = process.env.DB_PORT ? Number(process.env.DB_PORT) : undefined;

/** The database port, or undefined after marking the test skipped. */
function requireDb(t: TestContext): number | undefined {
  if (dbPort === undefined) t.skip(SKIP_REASON);
  return dbPort;
}

async function startApi(t: TestContext, port: number): Promise<string> {
  const server = createServer({ version: 'integration', dbPort: port });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function postOrder(base: string, body: unknown): Promise<Response> {
  return fetch(`${base}/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

test('db client: PING, SET, GET and NIL', async (t) => {
  const port = requireDb(t);
  if (port === undefined) return;
  const db = createDbClient({ port });
  await db.ping();
  const key = `it:${process.pid}:${Date.now()}`;
  assert.equal(await db.get(key), null);
  await db.set(key, 'a value with  spaces');
  assert.equal(await db.get(key), 'a value with  spaces');
  await assert.rejects(db.get('has space'), DbError);
  await assert.rejects(db.set(key, 'two\nlines'), /line breaks/);
});

test('POST /v1/orders stores the quote and returns its id', async (t) => {
  const port = requireDb(t);
  if (port === undefined) return;
  const base = await startApi(t, port);
  const items = [
    { sku: 'GRINDER-HAND', qty: 1 },
    { sku: 'FILTER-PAPER-100', qty: 2 },
  ];

  const res = await postOrder(base, { items });
  assert.equal(res.status, 201);
  const order = (await res.json()) as { id: string; totalCents: number };
  assert.match(order.id, /^[0-9a-f-]{36}$/);
  assert.equal(order.totalCents, 6993 + 577);

  const stored = await createDbClient({ port }).get(`order:${order.id}`);
  assert.ok(stored !== null, 'the order is in the database');
  const { id: _id, ...quote } = order;
  assert.deepEqual(JSON.parse(stored), quote);
});

test('POST /v1/orders rejects an invalid cart without storing it', async (t) => {
  const port = requireDb(t);
  if (port === undefined) return;
  const base = await startApi(t, port);
  const res = await postOrder(base, { items: [{ sku: 'NOPE', qty: 1 }] });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { error: string }).error, 'unknown_sku');
});

test('db client: times out when the server never answers', async (t) => {
  const silent = createTcpServer(() => {}); // accepts connections, never replies
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.after(() => {
    silent.close();
  });
  const db = createDbClient({ port: (silent.address() as AddressInfo).port, timeoutMs: 100 });
  await assert.rejects(db.ping(), /within 100ms/);
});

test('db client: reports ERR replies and unexpected replies', async (t) => {
  const replies = ['ERR out of memory', 'HUH'];
  const odd = createTcpServer((socket) => socket.end(`${replies.shift()}\n`));
  odd.listen(0, '127.0.0.1');
  await once(odd, 'listening');
  t.after(() => {
    odd.close();
  });
  const db = createDbClient({ port: (odd.address() as AddressInfo).port });
  await assert.rejects(db.set('k', 'v'), /database error: out of memory/);
  await assert.rejects(db.ping(), /unexpected reply to PING: HUH/);
});
