/** Against the real Redis the pipeline starts as a stage service ($REDIS_PORT). */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connectRedis, type RedisClient } from '../../src/redis.ts';
import { createServer } from '../../src/server.ts';

const port = Number(process.env['REDIS_PORT']);

describe('tasks counted in Redis', () => {
  let redis: RedisClient;
  const server = createServer({
    version: 'it',
    get redis() {
      return redis;
    },
  });
  let base = '';
  before(async () => {
    assert.ok(port > 0, 'REDIS_PORT is set');
    redis = await connectRedis(port);
    await redis.command('DEL', 'tasks:created');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    redis?.close();
  });

  it('answers PING and counts every created task', async () => {
    assert.equal(await redis.command('PING'), 'PONG');
    for (const title of ['a', 'b']) {
      const res = await fetch(`${base}/v1/tasks`, {
        method: 'POST',
        body: JSON.stringify({ title, severity: 'medium', dueInHours: 5 }),
      });
      assert.equal(res.status, 201);
    }
    assert.equal(await redis.command('GET', 'tasks:created'), '2');
  });
});
