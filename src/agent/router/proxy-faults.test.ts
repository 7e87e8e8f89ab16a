import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { WeightedProxy } from './proxy.ts';
import type { Routes } from './routes.ts';
import { closedPort, send, startBackend, type TestBackend } from './backends.fixture.ts';

let stable: TestBackend;
let canary: TestBackend;

before(async () => {
  [stable, canary] = await Promise.all([startBackend('stable'), startBackend('canary')]);
});

after(async () => {
  await Promise.all([stable.close(), canary.close()]);
});

const split = (canaryTarget = canary.target): Routes => ({
  service: 'svc',
  backends: [
    { version: 'stable', target: stable.target, weight: 500 },
    { version: 'canary', target: canaryTarget, weight: 500 },
  ],
  match: [
    { header: { name: 'x-to', value: 'canary' }, version: 'canary' },
    { header: { name: 'x-to', value: 'stable' }, version: 'stable' },
  ],
  addVersionHeader: true,
});

async function withProxy(
  options: ConstructorParameters<typeof WeightedProxy>[0],
  run: (port: number, proxy: WeightedProxy, agent: Agent) => Promise<void>,
) {
  const proxy = new WeightedProxy(options);
  const agent = new Agent({ keepAlive: true, maxSockets: 10 });
  try {
    await run(await proxy.listen(0), proxy, agent);
  } finally {
    agent.destroy();
    await proxy.close(100);
  }
}

const codesOf = (proxy: WeightedProxy) =>
  Object.fromEntries(proxy.metrics.snapshot().map((s) => [s.version, s.codes]));

test('a backend that is down gives 502 with a short JSON body, counted for its version', async () => {
  await withProxy({ routes: split(`127.0.0.1:${await closedPort()}`) }, async (port, proxy, agent) => {
    const reply = await send(port, { agent, headers: { 'x-to': 'canary' } });
    assert.equal(reply.status, 502);
    assert.equal(reply.headers['x-runway-version'], 'canary');
    assert.deepEqual(JSON.parse(reply.body), {
      error: 'bad gateway',
      version: 'canary',
      reason: 'ECONNREFUSED',
    });
    assert.equal((await send(port, { agent, headers: { 'x-to': 'stable' } })).status, 200);
    assert.deepEqual(codesOf(proxy), { canary: { 502: 1 }, stable: { 200: 1 } });
  });
});

test('an error fault answers 500 for the faulty version only, without calling its backend', async () => {
  await withProxy({ routes: split() }, async (port, proxy, agent) => {
    proxy.setFaults('canary', { errorRatio: 1 });
    const before = canary.stats.requests;
    const replies = await Promise.all(Array.from({ length: 200 }, () => send(port, { agent })));
    const byVersion = (v: string) => replies.filter((r) => r.headers['x-runway-version'] === v);
    assert.ok(byVersion('canary').length > 50 && byVersion('stable').length > 50);
    assert.ok(
      byVersion('canary').every((r) => r.status === 500 && JSON.parse(r.body).error === 'injected fault'),
    );
    assert.ok(byVersion('stable').every((r) => r.status === 200 && r.body === 'stable'));
    assert.equal(canary.stats.requests, before);
    assert.deepEqual(codesOf(proxy), {
      canary: { 500: byVersion('canary').length },
      stable: { 200: byVersion('stable').length },
    });

    proxy.setFaults('canary', undefined);
    assert.equal(proxy.getFaults('canary'), undefined);
    assert.equal((await send(port, { agent, headers: { 'x-to': 'canary' } })).status, 200);
  });
});

test('fault ratios are drawn from the injected random', async () => {
  const draws = [0.25, 0.75];
  let i = 0;
  await withProxy({ routes: split(), random: () => draws[i++ % 2] as number }, async (port, proxy, agent) => {
    proxy.setFaults('canary', { errorRatio: 0.5 });
    const statuses: number[] = [];
    for (let k = 0; k < 6; k++)
      statuses.push((await send(port, { agent, headers: { 'x-to': 'canary' } })).status);
    assert.deepEqual(statuses, [500, 200, 500, 200, 500, 200]);
  });
});

test('a latency fault delays only its version', async () => {
  await withProxy({ routes: split() }, async (port, proxy, agent) => {
    proxy.setFaults('canary', { latencyMs: 150 });
    const t0 = performance.now();
    const [slow, fast] = await Promise.all([
      send(port, { agent, headers: { 'x-to': 'canary' } }).then((r) => [r, performance.now() - t0] as const),
      send(port, { agent, headers: { 'x-to': 'stable' } }).then((r) => [r, performance.now() - t0] as const),
    ]);
    assert.equal(slow[0].status, 200);
    assert.ok(slow[1] >= 145, `canary took ${slow[1]} ms`);
    assert.ok(fast[1] < 145, `stable took ${fast[1]} ms`);
    const canarySnap = proxy.metrics.snapshot().find((s) => s.version === 'canary');
    assert.ok((canarySnap?.latency.sum ?? 0) >= 0.145, 'the added latency is in the histogram');
  });
});

test('an abort fault drops the connection, is counted as 502, and spares the other version', async () => {
  await withProxy({ routes: split() }, async (port, proxy) => {
    proxy.setFaults('canary', { abortRatio: 1 });
    await assert.rejects(send(port, { headers: { 'x-to': 'canary' } }), /socket hang up|ECONNRESET/);
    assert.equal((await send(port, { headers: { 'x-to': 'stable' } })).status, 200);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(codesOf(proxy), { canary: { 502: 1 }, stable: { 200: 1 } });
  });
});

test('a client that leaves early is counted as 499 and its backend request is cancelled', async () => {
  let backendSawClose!: () => void;
  const closed = new Promise<void>((resolve) => (backendSawClose = resolve));
  const hanging = await startBackend('hanging', (req) => {
    req.resume();
    req.socket.once('close', () => backendSawClose());
  });
  try {
    await withProxy({ routes: split(hanging.target) }, async (port, proxy) => {
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      socket.end('GET / HTTP/1.1\r\nhost: x\r\nx-to: canary\r\n\r\n');
      while (hanging.stats.requests === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      socket.destroy();
      await closed;
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(codesOf(proxy), { canary: { 499: 1 } });
    });
  } finally {
    await hanging.close();
  }
});

test('a malformed request or an internal error fails alone; other requests go through', async () => {
  let throwOnce = true;
  const random = () => {
    if (throwOnce) {
      throwOnce = false;
      throw new Error('boom');
    }
    return 0.1;
  };
  await withProxy({ routes: split(), random }, async (port, _proxy, agent) => {
    const broken = await send(port, { agent });
    assert.equal(broken.status, 500);
    assert.deepEqual(JSON.parse(broken.body), { error: 'router internal error', reason: 'boom' });

    const raw = connect(port, '127.0.0.1');
    raw.write('NOT HTTP AT ALL\r\n\r\n');
    const inFlight = Promise.all(Array.from({ length: 20 }, () => send(port, { agent })));
    const [answer] = (await once(raw, 'data')) as [Buffer];
    assert.match(answer.toString(), /^HTTP\/1\.1 400 /);
    raw.destroy();
    assert.ok((await inFlight).every((r) => r.status === 200));
  });
});

test('a kept-alive connection the backend dropped is retried once for a request without body', async () => {
  let connections = 0;
  const sockets = new Set<Socket>();
  const flaky = createServer((socket: Socket) => {
    connections++;
    sockets.add(socket);
    let requests = 0;
    socket.on('data', (data: Buffer) => {
      for (let i = data.indexOf('\r\n\r\n'); i >= 0; i = data.indexOf('\r\n\r\n', i + 4)) {
        if (++requests === 1)
          socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
        else socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
  const target = `127.0.0.1:${(flaky.address() as AddressInfo).port}`;
  try {
    await withProxy({ routes: split(target) }, async (port, _proxy, agent) => {
      for (let k = 0; k < 3; k++) {
        const reply = await send(port, { agent, headers: { 'x-to': 'canary' } });
        assert.equal(reply.status, 200, `request ${k}: ${reply.body}`);
      }
      assert.equal(connections, 3, 'each reuse was dropped, and each retry opened one fresh connection');
    });
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => flaky.close(() => resolve()));
  }
});
