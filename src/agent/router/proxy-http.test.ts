import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { test } from 'node:test';
import { WeightedProxy } from './proxy.ts';
import { send, startBackend, type TestBackend } from './backends.fixture.ts';

async function withProxy(
  backend: TestBackend,
  run: (port: number, proxy: WeightedProxy, agent: Agent) => Promise<void>,
) {
  const proxy = new WeightedProxy({
    routes: {
      service: 'svc',
      backends: [{ version: 'v1', target: backend.target, weight: 1000 }],
      addVersionHeader: true,
    },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await run(await proxy.listen(0), proxy, agent);
  } finally {
    agent.destroy();
    await proxy.close(100);
    await backend.close();
  }
}

test('HEAD, 204 and 304 carry no body and leave the connections reusable', async () => {
  const backend = await startBackend('b', (req, res) => {
    req.resume();
    if (req.url === '/204') return void res.writeHead(204).end();
    if (req.url === '/304') return void res.writeHead(304, { etag: '"x"' }).end();
    res.writeHead(200, { 'content-length': 5 }).end(req.method === 'HEAD' ? undefined : 'hello');
  });
  await withProxy(backend, async (port, _proxy, agent) => {
    const head = await send(port, { agent, method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '5');
    assert.equal(head.body, '');
    assert.equal((await send(port, { agent, path: '/204' })).status, 204);
    const notModified = await send(port, { agent, path: '/304' });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.etag, '"x"');
    assert.equal((await send(port, { agent })).body, 'hello');
    assert.equal(backend.stats.connections, 1);
  });
});

test('a backend that closes after each response gets a fresh connection each time', async () => {
  const backend = await startBackend('b', (req, res) => {
    req.resume();
    res.writeHead(200, { connection: 'close', 'content-length': 2 }).end('ok');
  });
  await withProxy(backend, async (port, _proxy, agent) => {
    for (let i = 0; i < 5; i++) assert.equal((await send(port, { agent })).body, 'ok');
    assert.equal(backend.stats.connections, 5);
  });
});

test('Expect: 100-continue uploads go through', async () => {
  const backend = await startBackend('b', (req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => res.writeHead(200).end(String(n)));
  });
  await withProxy(backend, async (port) => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        headers: { expect: '100-continue', 'content-length': 3 },
      });
      req.on('continue', () => req.end('abc'));
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
    });
    assert.equal(body, '3');
  });
});

test('latin-1 header bytes reach the backend and the client unchanged', async () => {
  const backend = await startBackend('b', (req, res) => {
    req.resume();
    res.writeHead(200, { 'x-echo': req.headers['x-name'] as string }).end();
  });
  await withProxy(backend, async (port) => {
    const reply = await send(port, { headers: { 'x-name': 'caf\u00e9' } });
    assert.equal(reply.headers['x-echo'], 'caf\u00e9');
  });
});

test('a backend that dies mid-body cuts the client off and counts a 502', async () => {
  const backend = await startBackend('b', (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-length': 100 });
    res.write('partial');
    setTimeout(() => res.socket?.destroy(), 10);
  });
  await withProxy(backend, async (port, proxy) => {
    await assert.rejects(send(port), /aborted|ECONNRESET|socket hang up/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(proxy.metrics.snapshot()[0]?.codes, { 502: 1 });
  });
});

test('idle backend connections are closed before the backend’s Keep-Alive timeout', async () => {
  const backend = await startBackend('b', (req, res) => {
    req.resume();
    res.writeHead(200, { 'keep-alive': 'timeout=1', 'content-length': 2 }).end('ok');
  });
  await withProxy(backend, async (port) => {
    assert.equal((await send(port)).body, 'ok');
    assert.equal(backend.stats.closedConnections, 0);
    const deadline = Date.now() + 3000;
    while (backend.stats.closedConnections === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(backend.stats.closedConnections, 1, 'the proxy closed its idle connection (after ~0.5 s)');
  });
});
