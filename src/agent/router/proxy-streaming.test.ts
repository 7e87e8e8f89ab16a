import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { WeightedProxy } from './proxy.ts';
import { closedPort, startBackend, startUpgradeEcho, type TestBackend } from './backends.fixture.ts';

const only = (version: string, backend: { target: string }) => ({
  service: 'svc',
  backends: [{ version, target: backend.target, weight: 1000 }],
  addVersionHeader: true,
});

async function withProxy(backend: TestBackend, run: (port: number, proxy: WeightedProxy) => Promise<void>) {
  const proxy = new WeightedProxy({ routes: only('v1', backend) });
  try {
    await run(await proxy.listen(0), proxy);
  } finally {
    await proxy.close(100);
    await backend.close();
  }
}

test('response chunks reach the client while the backend is still sending', { timeout: 10_000 }, async () => {
  let sendRest!: () => void;
  const rest = new Promise<void>((resolve) => (sendRest = resolve));
  const backend = await startBackend('stream', (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first;');
    void rest.then(() => res.end('second'));
  });
  await withProxy(backend, async (port) => {
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      httpRequest({ host: '127.0.0.1', port, path: '/' }, resolve).on('error', reject).end(),
    );
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    const chunks: string[] = [];
    res.setEncoding('utf8');
    const [first] = (await once(res, 'data')) as [string];
    chunks.push(first);
    assert.equal(first, 'first;', 'the first chunk arrives before the backend has ended');
    res.on('data', (c: string) => chunks.push(c));
    sendRest();
    await once(res, 'end');
    assert.equal(chunks.join(''), 'first;second');
  });
});

test('a large upload is streamed to the backend, not buffered', { timeout: 10_000 }, async () => {
  let firstBytes!: () => void;
  const backendGotData = new Promise<void>((resolve) => (firstBytes = resolve));
  const backend = await startBackend('upload', (req, res) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (c: Buffer) => {
      length += c.length;
      hash.update(c);
      firstBytes();
    });
    req.on('end', () => res.writeHead(200).end(JSON.stringify({ length, sha256: hash.digest('hex') })));
  });
  await withProxy(backend, async (port) => {
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const expected = createHash('sha256');
    const req = httpRequest({ host: '127.0.0.1', port, method: 'PUT', path: '/blob' });
    const response = once(req, 'response');
    req.write(chunk);
    expected.update(chunk);
    await backendGotData;
    for (let i = 0; i < 15; i++) {
      const part = Buffer.alloc(chunk.length, i);
      expected.update(part);
      if (!req.write(part)) await once(req, 'drain');
    }
    req.end();
    const [res] = (await response) as [IncomingMessage];
    const parts: Buffer[] = [];
    for await (const c of res) parts.push(c as Buffer);
    assert.deepEqual(JSON.parse(Buffer.concat(parts).toString()), {
      length: 16 * 1024 * 1024,
      sha256: expected.digest('hex'),
    });
  });
});

function upgrade(port: number): Promise<{ res: IncomingMessage; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/ws',
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'x-forwarded-for': '198.51.100.7' },
    });
    req.on('upgrade', (res, socket) => resolve({ res, socket }));
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

test('a websocket upgrade is tunnelled to the chosen backend and echoes', { timeout: 10_000 }, async () => {
  const backend = await startUpgradeEcho('ws');
  await withProxy(backend, async (port, proxy) => {
    const { res, socket } = await upgrade(port);
    try {
      assert.equal(res.statusCode, 101);
      assert.equal(res.headers['x-runway-version'], 'v1');
      assert.equal(res.headers['x-backend'], 'ws');
      assert.match(String(res.headers['x-seen-forwarded-for']), /^198\.51\.100\.7, (::ffff:)?127\.0\.0\.1$/);
      for (const message of ['hello', 'über', 'x'.repeat(100_000)]) {
        socket.write(message);
        let echoed = '';
        while (Buffer.byteLength(echoed) < Buffer.byteLength(message)) {
          const [data] = (await once(socket, 'data')) as [Buffer];
          echoed += data.toString();
        }
        assert.equal(echoed, message);
      }
      assert.deepEqual(proxy.metrics.snapshot()[0]?.codes, { 101: 1 });
    } finally {
      socket.destroy();
    }
  });
});

test('an upgrade to a backend that is down gets 502 and counts it', { timeout: 10_000 }, async () => {
  const proxy = new WeightedProxy({ routes: only('v1', { target: `127.0.0.1:${await closedPort()}` }) });
  try {
    const port = await proxy.listen(0);
    await assert.rejects(upgrade(port), /no upgrade: 502/);
    assert.deepEqual(proxy.metrics.snapshot()[0]?.codes, { 502: 1 });
  } finally {
    await proxy.close(100);
  }
});
