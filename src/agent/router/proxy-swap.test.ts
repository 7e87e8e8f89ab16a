import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { WeightedProxy } from './proxy.ts';
import { send, startBackend, type TestBackend } from './backends.fixture.ts';

let stableA: TestBackend;
let stableB: TestBackend;
let canary: TestBackend;

/** Answers after 0-3 ms, echoing the sha256 of the body, so requests overlap with route changes. */
const slowEcho = (name: string) =>
  startBackend(name, (req, res) => {
    const hash = createHash('sha256');
    req.on('data', (c: Buffer) => hash.update(c));
    req.on('end', () => {
      setTimeout(() => res.writeHead(200, { 'x-backend': name }).end(hash.digest('hex')), Math.random() * 3);
    });
  });

before(async () => {
  [stableA, stableB, canary] = await Promise.all([
    slowEcho('stable-a'),
    slowEcho('stable-b'),
    slowEcho('canary'),
  ]);
});

after(async () => {
  await Promise.all([stableA.close(), stableB.close(), canary.close()]);
});

const routesFor = (stableTarget: string, canaryWeight: number) => ({
  service: 'svc',
  backends: [
    { version: 'stable', target: stableTarget, weight: 1000 - canaryWeight },
    { version: 'canary', target: canary.target, weight: canaryWeight },
  ],
  addVersionHeader: true,
});

async function until(condition: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test('flipping weights and swapping a backend under load fails no request', { timeout: 15_000 }, async () => {
  const proxy = new WeightedProxy({ routes: routesFor(stableA.target, 100) });
  const port = await proxy.listen(0);
  const agent = new Agent({ keepAlive: true, maxSockets: 20 });
  const body = 'x'.repeat(10_000);
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const emptyHash = createHash('sha256').digest('hex');
  let flips = 0;
  const flipper = setInterval(() => {
    flips++;
    proxy.setRoutes(routesFor(flips % 2 ? stableB.target : stableA.target, Math.floor(Math.random() * 1001)));
  }, 3);
  const failures: string[] = [];
  const total = 2000;
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < total && Date.now() - started < 20_000) {
      const post = next++ % 5 === 0;
      try {
        const reply = await send(port, post ? { agent, method: 'POST', body } : { agent });
        if (reply.status !== 200 || reply.body !== (post ? bodyHash : emptyHash)) {
          failures.push(`${reply.status} ${reply.body.slice(0, 80)}`);
        }
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  try {
    try {
      await Promise.all(Array.from({ length: 20 }, worker));
    } finally {
      clearInterval(flipper);
    }
    assert.equal(next, total);
    assert.deepEqual(failures, []);
    assert.ok(flips >= 10, `routes changed ${flips} times during the load`);
    assert.ok(stableA.stats.requests > 0 && stableB.stats.requests > 0 && canary.stats.requests > 0);
    const codes = proxy.metrics.snapshot().map((s) => Object.keys(s.codes));
    assert.deepEqual([...new Set(codes.flat())], ['200']);

    proxy.setRoutes(routesFor(stableB.target, 0));
    await until(() => !proxy.openPools().includes(stableA.target), 'the retired pool to close');
    await until(
      () => stableA.stats.closedConnections === stableA.stats.connections,
      'old connections to close',
    );
  } finally {
    agent.destroy();
    await proxy.close(100);
  }
});

test(
  'an in-flight request finishes on the backend it started on; its pool closes after',
  { timeout: 15_000 },
  async () => {
    let releaseHeld!: () => void;
    const held = new Promise<void>((resolve) => (releaseHeld = resolve));
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    const old = await startBackend('old', (req, res) => {
      req.resume();
      arrived();
      void held.then(() => res.writeHead(200).end('old'));
    });
    const proxy = new WeightedProxy({
      routes: {
        service: 'svc',
        backends: [{ version: 'v', target: old.target, weight: 1000 }],
        addVersionHeader: false,
      },
    });
    const port = await proxy.listen(0);
    try {
      const inFlight = send(port);
      await arrival;
      proxy.setRoutes({
        service: 'svc',
        backends: [{ version: 'v', target: canary.target, weight: 1000 }],
        addVersionHeader: false,
      });
      assert.equal((await send(port)).headers['x-backend'], 'canary');
      assert.ok(proxy.openPools().includes(old.target), 'the old pool drains, it is not cut');
      releaseHeld();
      assert.equal((await inFlight).body, 'old');
      await until(() => !proxy.openPools().includes(old.target), 'the old pool to close');
      await until(() => old.stats.closedConnections === old.stats.connections, 'the old connection to close');
    } finally {
      releaseHeld();
      await proxy.close(100);
      await old.close();
    }
  },
);

test('keep-alive: sequential requests reuse one backend connection', { timeout: 15_000 }, async () => {
  const backend = await startBackend('ka');
  const proxy = new WeightedProxy({
    routes: {
      service: 'svc',
      backends: [{ version: 'v', target: backend.target, weight: 1000 }],
      addVersionHeader: false,
    },
  });
  const port = await proxy.listen(0);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const concurrent = new Agent({ keepAlive: true, maxSockets: 8 });
  try {
    for (let i = 0; i < 200; i++) assert.equal((await send(port, { agent })).status, 200);
    assert.equal(backend.stats.requests, 200);
    assert.equal(backend.stats.connections, 1);
    await Promise.all(Array.from({ length: 400 }, () => send(port, { agent: concurrent })));
    assert.ok(backend.stats.connections <= 9, `${backend.stats.connections} connections for 600 requests`);
  } finally {
    agent.destroy();
    concurrent.destroy();
    await proxy.close(100);
    await backend.close();
  }
});
