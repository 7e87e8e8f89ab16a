import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { send, startBackend, type TestBackend } from './backends.fixture.ts';
import { WeightedProxy } from './proxy.ts';
import { RequestMetrics } from '../metrics/request-metrics.ts';
import { RoutesError, validateRoutes } from './routes.ts';

let a0: TestBackend;
let a1: TestBackend;
let b: TestBackend;
let proxy: WeightedProxy;
let port: number;
const metrics = new RequestMetrics();

before(async () => {
  [a0, a1, b] = await Promise.all([startBackend('a0'), startBackend('a1'), startBackend('b')]);
  let n = 0;
  const golden = () => (n++ * 0.6180339887) % 1; // low discrepancy: any 1000 draws split almost exactly
  proxy = new WeightedProxy({ metrics, environment: 'staging', random: golden });
  port = await proxy.listen(0);
});

after(async () => {
  await proxy.close(100);
  await Promise.all([a0.close(), a1.close(), b.close()]);
});

test('replicas are validated: addresses, duplicates of target or of each other', () => {
  const routes = (replicas: unknown) => ({
    service: 's',
    backends: [{ version: 'a', target: 'h:1', weight: 1000, replicas }],
    addVersionHeader: false,
  });
  assert.deepEqual(validateRoutes(routes(['h:2'])).backends[0]?.replicas, ['h:2']);
  assert.ok(Object.isFrozen(validateRoutes(routes(['h:2'])).backends[0]?.replicas));
  try {
    validateRoutes(routes(['h:1', 'nohost', 'h:3', 'h:3']));
    assert.fail('expected a RoutesError');
  } catch (err) {
    assert.ok(err instanceof RoutesError);
    assert.deepEqual(err.problems, [
      'backends[0].replicas[0] "h:1" appears more than once',
      'backends[0].replicas[1] must be "host:port" with a port in 1..65535, got "nohost"',
      'backends[0].replicas[3] "h:3" appears more than once',
    ]);
  }
  assert.throws(() => validateRoutes(routes('h:2')), /replicas must be a list/);
});

test("a version's weight is split evenly across its replicas, all under its version label", async () => {
  proxy.setRoutes({
    service: 'checkout-api',
    backends: [
      { version: 'a', target: a0.target, weight: 500, replicas: [a1.target] },
      { version: 'b', target: b.target, weight: 500 },
    ],
    addVersionHeader: true,
  });
  const before = [a0.stats.requests, a1.stats.requests, b.stats.requests];
  for (let i = 0; i < 1000; i++) await send(port);
  const got = [a0.stats.requests, a1.stats.requests, b.stats.requests].map((n, i) => n - (before[i] ?? 0));
  [250, 250, 500].forEach((want, i) => assert.ok(Math.abs((got[i] as number) - want) <= 3, `${got}`));
  const snap = metrics.snapshot('checkout-api', 'staging');
  assert.deepEqual(
    snap.map((s) => [s.version, s.environment, s.total]),
    [
      ['a', 'staging', (got[0] as number) + (got[1] as number)],
      ['b', 'staging', got[2]],
    ],
  );
});

test('a match rule spreads its version over the replicas', async () => {
  proxy.setRoutes({
    service: 'checkout-api',
    backends: [
      { version: 'a', target: a0.target, weight: 0, replicas: [a1.target] },
      { version: 'b', target: b.target, weight: 1000 },
    ],
    match: [{ header: { name: 'x-a', value: '1' }, version: 'a' }],
    addVersionHeader: true,
  });
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const reply = await send(port, { headers: { 'x-a': '1' } });
    assert.equal(reply.headers['x-runway-version'], 'a');
    seen.add(reply.body);
  }
  assert.deepEqual([...seen].sort(), ['a0', 'a1']);
});

test('clearRoutes answers 503 until the next setRoutes', async () => {
  proxy.clearRoutes();
  assert.equal(proxy.getRoutes(), undefined);
  const reply = await send(port);
  assert.equal(reply.status, 503);
  assert.deepEqual(JSON.parse(reply.body), { error: 'no routes' });
  proxy.setRoutes({
    service: 'checkout-api',
    backends: [{ version: 'b', target: b.target, weight: 1000 }],
    addVersionHeader: false,
  });
  assert.equal((await send(port)).body, 'b');
});
