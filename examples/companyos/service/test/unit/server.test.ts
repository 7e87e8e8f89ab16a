import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServer } from '../../src/server.ts';
import { decode, encode } from '../../src/redis.ts';

describe('the HTTP API', () => {
  const server = createServer({ version: 'test' });
  let base = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('reports health with its version', async () => {
    const res = await fetch(`${base}/health`);
    assert.deepEqual(await res.json(), { status: 'healthy', version: 'test' });
  });

  it('queues tasks highest score first and refuses a bad one', async () => {
    const post = (body: unknown) => fetch(`${base}/v1/tasks`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal((await post({ title: 'docs', severity: 'low', dueInHours: 72 })).status, 201);
    assert.equal((await post({ title: 'outage', severity: 'critical', dueInHours: -2 })).status, 201);
    assert.equal((await post({ title: 'x', severity: 'nope', dueInHours: 1 })).status, 400);
    const queue = (await (await fetch(`${base}/v1/tasks`)).json()) as { title: string }[];
    assert.deepEqual(
      queue.map((t) => t.title),
      ['outage', 'docs'],
    );
    assert.equal((await fetch(`${base}/nowhere`)).status, 404);
  });

  it('speaks RESP', () => {
    assert.equal(encode(['GET', 'k']), '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n');
    assert.deepEqual(decode(':3\r\n'), { value: 3, rest: '' });
    assert.deepEqual(decode('$2\r\nhi\r\n+OK\r\n'), { value: 'hi', rest: '+OK\r\n' });
    assert.equal(decode('$5\r\nhi'), undefined);
    assert.throws(() => decode('-ERR wrong\r\n'), /redis: ERR wrong/);
  });
});

describe('the Redis client', () => {
  it('sends commands in order and reads their replies, split or together', async () => {
    const { createServer: tcp } = await import('node:net');
    const { connectRedis } = await import('../../src/redis.ts');
    const server = tcp((socket) => {
      socket.once('data', () => {
        socket.write('+PO');
        setTimeout(() => socket.write('NG\r\n:7\r\n$-1\r\n-ERR no\r\n'), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = await connectRedis((server.address() as AddressInfo).port);
    try {
      const replies = [client.command('PING'), client.command('INCR', 'n'), client.command('GET', 'x')];
      const failed = client.command('BAD');
      assert.deepEqual(await Promise.all(replies), ['PONG', 7, null]);
      await assert.rejects(failed, /redis: ERR no/);
    } finally {
      client.close();
      server.close();
    }
  });
});
